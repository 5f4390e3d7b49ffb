/** Names and places for generated users: a mix of Cyrillic and Latin, as on the course's test data. */
export const firstNames = [
  'Александр', 'Мария', 'Иван', 'Анна', 'Дмитрий', 'Елена', 'Сергей', 'Ольга', 'Андрей', 'Наталья', 'Алексей', 'Татьяна',
  'Михаил', 'Екатерина', 'Николай', 'Ирина', 'Павел', 'Светлана', 'Константин', 'Юлия', 'Olga', 'Ivan', 'Anna', 'Peter',
  'Maria', 'John', 'Emma', 'Lucas', 'Sofia', 'Noah', 'Mila', 'Leo',
];
export const secondNames = [
  'Иванов', 'Петрова', 'Смирнов', 'Кузнецова', 'Попов', 'Васильева', 'Соколов', 'Михайлова', 'Новиков', 'Фёдорова',
  'Морозов', 'Волкова', 'Алексеев', 'Лебедева', 'Семенов', 'Егорова', 'Павлов', 'Козлова', 'Осипов', 'Степанова',
  'Smith', 'Johnson', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Moore', 'Taylor', 'Anderson', 'Thomas', 'Martin',
];
export const cities = ['Москва', 'Санкт-Петербург', 'Казань', 'Новосибирск', 'Екатеринбург', 'Berlin', 'London', 'Lisbon'];
export const interests = ['шахматы', 'бег', 'фотография', 'джаз', 'походы', 'кулинария', 'chess', 'climbing', 'reading', 'film'];
export const words = [
  'сегодня', 'вечером', 'новый', 'проект', 'кофе', 'дождь', 'море', 'книга', 'концерт', 'друзья', 'работа', 'отпуск',
  'today', 'release', 'weekend', 'coffee', 'mountains', 'photo', 'music', 'deploy', 'lunch', 'sunset', 'idea', 'city',
];
