// Errors the server's services raise for input the user can fix; the LSP layer turns them into response errors
// whose message is shown as is (languageServer.ts toResponseError).

/** Input the user can fix (shown as the request's error message). */
export class UserError extends Error {
  override name = 'UserError';
}
