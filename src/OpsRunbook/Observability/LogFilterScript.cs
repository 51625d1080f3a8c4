using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Observability
{
    /// <summary>
    /// A -Filter script block, in two forms: the script block itself, which runs on the pipeline thread only
    /// (PowerShell does not allow script blocks on other threads), and, when the block is a simple comparison of
    /// $_'s properties with constants ({ $_.Data.duration -gt 1000 -and $_.Level -eq 'error' }), its translation into
    /// an engine predicate that decides most lines while the search reads. Whatever the translation cannot decide
    /// for a line (a string against a number, a missing field, an array) goes to the script block.
    /// </summary>
    internal sealed class LogFilterScript
    {
        private static readonly HashSet<string> EntryProperties = new(
            typeof(LogEntry).GetProperties().Select(p => p.Name).Where(n => n != nameof(LogEntry.Data)), StringComparer.OrdinalIgnoreCase);

        private readonly ScriptBlock _script;

        public LogFilterScript(ScriptBlock script)
        {
            _script = script;
            Predicate = Translate(script);
        }

        /// <summary>The engine's form of the filter, or null when the script block does more than compare.</summary>
        public LogPredicate? Predicate { get; }

        /// <summary>Runs the script block with $_ set to the entry, as Where-Object does. Pipeline thread only.</summary>
        public bool Accepts(LogEntry entry)
        {
            var variables = new List<PSVariable> { new("_", entry), new("PSItem", entry) };
            var output = _script.InvokeWithContext(null, variables);
            return output.Count switch
            {
                0 => false,
                1 => LanguagePrimitives.IsTrue(output[0]),
                _ => true,
            };
        }

        private static LogPredicate? Translate(ScriptBlock script)
        {
            if (script.Ast is not ScriptBlockAst block || block.ParamBlock is not null || block.BeginBlock is not null ||
                block.ProcessBlock is not null || block.DynamicParamBlock is not null || block.EndBlock is null ||
                block.EndBlock.Traps is not null || block.EndBlock.Statements.Count != 1 ||
                block.EndBlock.Statements[0] is not PipelineAst { PipelineElements.Count: 1 } pipeline ||
                pipeline.PipelineElements[0] is not CommandExpressionAst { Redirections.Count: 0 } command)
            {
                return null;
            }

            return Translate(command.Expression);
        }

        private static LogPredicate? Translate(ExpressionAst expression)
        {
            switch (expression)
            {
                case ParenExpressionAst { Pipeline: PipelineAst { PipelineElements.Count: 1 } inner } when inner.PipelineElements[0] is CommandExpressionAst { Redirections.Count: 0 } wrapped:
                    return Translate(wrapped.Expression);
                case UnaryExpressionAst { TokenKind: TokenKind.Not or TokenKind.Exclaim } unary:
                    return Translate(unary.Child) is { } negated ? LogPredicate.Not(negated) : null;
                case BinaryExpressionAst { Operator: TokenKind.And or TokenKind.Or } logical:
                    var left = Translate(logical.Left);
                    var right = Translate(logical.Right);
                    return left is null || right is null ? null
                        : logical.Operator == TokenKind.And ? LogPredicate.And(left, right) : LogPredicate.Or(left, right);
                case BinaryExpressionAst comparison when Operator(comparison.Operator) is var (op, caseSensitive) && op is not null:
                    if (PropertyPath(comparison.Left) is not { } path || Constant(comparison.Right) is not { } constant)
                    {
                        return null;
                    }

                    // Only equality is translated for strings: ordering of strings follows the culture.
                    return constant is string && op is not ("eq" or "ne") ? null : LogPredicate.Compare(path, op, constant, caseSensitive);
                default:
                    return null;
            }
        }

        private static (string? Op, bool CaseSensitive) Operator(TokenKind kind) => kind switch
        {
            TokenKind.Igt => ("gt", false),
            TokenKind.Ige => ("ge", false),
            TokenKind.Ilt => ("lt", false),
            TokenKind.Ile => ("le", false),
            TokenKind.Ieq => ("eq", false),
            TokenKind.Ine => ("ne", false),
            TokenKind.Cgt => ("gt", true),
            TokenKind.Cge => ("ge", true),
            TokenKind.Clt => ("lt", true),
            TokenKind.Cle => ("le", true),
            TokenKind.Ceq => ("eq", true),
            TokenKind.Cne => ("ne", true),
            _ => (null, false),
        };

        // $_.A.B.C (or $PSItem) with plain member names: "A.B.C".
        private static string? PropertyPath(ExpressionAst expression)
        {
            var names = new Stack<string>();
            while (expression is MemberExpressionAst { Static: false } member && member is not InvokeMemberExpressionAst)
            {
                if (member.Member is not StringConstantExpressionAst { StringConstantType: StringConstantType.BareWord } name)
                {
                    return null;
                }

                names.Push(name.Value);
                expression = member.Expression;
            }

            if (expression is not VariableExpressionAst variable || names.Count == 0 ||
                !(variable.VariablePath.UserPath.Equals("_", StringComparison.Ordinal) || variable.VariablePath.UserPath.Equals("PSItem", StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }

            // Only what PowerShell resolves the same way: an entry property, or keys below Data (a table, where keys win over properties).
            var head = names.Peek();
            var known = head.Equals("Data", StringComparison.OrdinalIgnoreCase) ? names.Count > 1 : EntryProperties.Contains(head) && names.Count == 1;
            return known ? string.Join(".", names) : null;
        }

        private static object? Constant(ExpressionAst expression) => expression switch
        {
            ConstantExpressionAst { Value: int or long or double } number => number.Value,
            StringConstantExpressionAst { StringConstantType: StringConstantType.SingleQuoted or StringConstantType.DoubleQuoted } text => text.Value,
            _ => null,
        };
    }
}
