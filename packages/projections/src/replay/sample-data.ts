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

/** A seeded generator (mulberry32), so the same seed gives the same log shape. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
