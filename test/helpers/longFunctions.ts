/**
 * Functions longer than a line limit, found with the TypeScript parser (declarations, methods, constructors,
 * accessors, and function / arrow expressions bound to a name), each with whether a `// long: reason` comment
 * sits in the 3 lines above its first line (the line of its name, below any JSDoc).
 */
import ts from "typescript";

export interface LongFunction {
  /** "name (line N)" */
  where: string;
  lines: number;
  /** a `// long:` comment with a reason stands in the 3 lines above */
  explained: boolean;
}

/** The name a function-like node is known by, or undefined for an anonymous callback. */
function nameOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isAccessor(node)) {
    return node.name?.getText(sf);
  }
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    const p = node.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) {
      return p.name.getText(sf);
    }
  }
  return undefined;
}

/** Every named function of `text` longer than `limit` lines. */
export function longFunctions(text: string, file: string, limit: number): LongFunction[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split("\n");
  const out: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    const name = ts.isFunctionLike(node) && "body" in node && node.body ? nameOf(node, sf) : undefined;
    if (name !== undefined) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const n = last - first + 1;
      if (n > limit) {
        const above = lines.slice(Math.max(0, first - 3), first);
        const explained = above.some((l) => /^\s*\/\/ long: \S/.test(l));
        out.push({ where: `${name} (line ${first + 1})`, lines: n, explained });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
