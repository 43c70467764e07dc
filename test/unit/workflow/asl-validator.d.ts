// asl-validator 4 ships without type declarations; this is the call the tests make.
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: { message?: string; path?: string; [k: string]: unknown }[];
  }
  export default function aslValidator(definition: unknown, opts?: Record<string, unknown>): ValidationResult;
}
