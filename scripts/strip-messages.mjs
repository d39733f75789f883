/**
 * Rollup plugin for the script-tag bundle: empties the human-readable messages inside
 * oauth4webapi's errors (the message argument of its error constructors and of the assert
 * helpers that only describe the value; `assertContentType`'s argument is logic and stays). spa-auth never shows those messages: every error crosses
 * toAuthError(), which keeps only the error's class name and code. About 1.6 KB gzipped of
 * the bundle is these sentences. Logic is untouched: oauth4webapi reads `.message` only to
 * pass it on to another error.
 */
import ts from 'typescript';

/** Which argument of which function is only a message (checked against oauth4webapi 3.8.8). */
const MESSAGE_ARG = {
  OPE: 0,
  CodedTypeError: 0,
  UnsupportedOperationError: 0,
  OperationProcessingError: 0,
  ResponseBodyError: 0,
  AuthorizationResponseError: 0,
  WWWAuthenticateChallengeError: 0,
  Error: 0,
  TypeError: 0,
  assertString: 1,
  assertCryptoKey: 1,
  assertPrivateKey: 1,
  assertPublicKey: 1,
  assertNumber: 2,
};

export function stripMessages() {
  return {
    name: 'strip-oauth4webapi-messages',
    transform(code, id) {
      if (!/[\\/]oauth4webapi[\\/]build[\\/]index\.js$/.test(id)) return null;
      const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      const spans = [];
      const visit = (node) => {
        if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.length) {
          const arg = node.arguments[MESSAGE_ARG[node.expression.getText(file)] ?? -1];
          // A message may also be chosen by a condition: empty both of its sentences.
          for (const text of arg && ts.isConditionalExpression(arg) ? [arg.whenTrue, arg.whenFalse] : [arg]) {
            if (
              text &&
              (ts.isStringLiteral(text) || ts.isNoSubstitutionTemplateLiteral(text) || ts.isTemplateExpression(text))
            ) {
              spans.push([text.getStart(file), text.getEnd()]);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      if (spans.length < 100) this.error(`oauth4webapi changed shape: only ${spans.length} messages found`);
      let out = code;
      for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) out = `${out.slice(0, start)}''${out.slice(end)}`;
      return { code: out, map: null };
    },
  };
}
