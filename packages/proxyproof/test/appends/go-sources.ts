/** Small Go sources for the Go collector's tests (collectors/golang): one `main` package importing a framework. */

/** `package main` importing os and `importPath`, with `body` as main()'s lines. */
export function goMain(importPath: string, body: string[]): string {
  return [
    'package main',
    '',
    'import (',
    '\t"os"',
    '',
    `\t"${importPath}"`,
    ')',
    '',
    'func main() {',
    ...body.map((l) => `\t${l}`),
    '}',
    '',
  ].join('\n');
}

/** An Echo v4 main package. */
export const echoMain = (body: string[]): string => goMain('github.com/labstack/echo/v4', body);
