// The generated nice-grpc code stays behind this file: callers see these names only.
export {
  AuthServiceDefinition,
  type AuthServiceImplementation,
  type AuthServiceClient,
  type ValidateTokenRequest,
  type ValidateTokenResponse,
} from './generated/herald/auth/v1/auth.js';
