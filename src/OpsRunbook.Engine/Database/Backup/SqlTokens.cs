using System;
using System.Collections.Generic;
using System.Text;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The little SQL reading the restore needs of pg_dump's own output: statements split at their semicolons, the
    /// words of a statement (quoted names and string literals kept whole), and names and literals unquoted.
    /// </summary>
    internal static class SqlTokens
    {
        /// <summary>
        /// The statements of a script as pg_dump writes it, without comments; psql meta-command lines (\connect,
        /// \restrict) are left out.
        /// </summary>
        public static List<string> Statements(string script)
        {
            var statements = new List<string>();
            var current = new StringBuilder();
            var atLineStart = true;
            for (var i = 0; i < script.Length; i++)
            {
                var c = script[i];
                if (atLineStart && c == '\\' && current.ToString().Trim().Length == 0)
                {
                    var end = script.IndexOf('\n', i);
                    i = end < 0 ? script.Length : end;
                    continue;
                }

                atLineStart = c == '\n';
                if (c == '-' && i + 1 < script.Length && script[i + 1] == '-')
                {
                    var end = script.IndexOf('\n', i);
                    i = end < 0 ? script.Length : end;
                    atLineStart = true;
                    current.Append('\n');
                    continue;
                }

                if (c is '\'' or '"')
                {
                    var end = ClosingQuote(script, i);
                    current.Append(script, i, end - i + 1);
                    i = end;
                    continue;
                }

                if (c == ';')
                {
                    var statement = current.ToString().Trim();
                    if (statement.Length > 0)
                    {
                        statements.Add(statement);
                    }

                    current.Clear();
                    continue;
                }

                current.Append(c);
            }

            if (current.ToString().Trim() is { Length: > 0 } last)
            {
                statements.Add(last);
            }

            return statements;
        }

        /// <summary>The words of one statement: whitespace and commas separate them; "quoted names" and 'literals' stay whole.</summary>
        public static List<string> Split(string statement)
        {
            var tokens = new List<string>();
            var current = new StringBuilder();
            for (var i = 0; i < statement.Length; i++)
            {
                var c = statement[i];
                if (c is '\'' or '"')
                {
                    var end = ClosingQuote(statement, i);
                    current.Append(statement, i, end - i + 1);
                    i = end;
                    continue;
                }

                if (char.IsWhiteSpace(c) || c == ',' || c == '=')
                {
                    Flush();
                    if (c == '=')
                    {
                        tokens.Add("=");
                    }

                    continue;
                }

                current.Append(c);
            }

            Flush();
            return tokens;

            void Flush()
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }
            }
        }

        /// <summary>A name as written: "Quoted ""x""" unquoted, a bare name folded to lower case as PostgreSQL does.</summary>
        public static string Identifier(string token) =>
            token.Length >= 2 && token[0] == '"' && token[^1] == '"' ? token[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : token.ToLowerInvariant();

        /// <summary>A string literal's text: 'it''s' is it's; E'' strings' backslash escapes are read too.</summary>
        public static string Literal(string token)
        {
            if (token.Length >= 3 && (token[0] is 'E' or 'e') && token[1] == '\'')
            {
                var inner = token[2..^1].Replace("''", "'", StringComparison.Ordinal);
                return System.Text.RegularExpressions.Regex.Unescape(inner);
            }

            return token.Length >= 2 && token[0] == '\'' && token[^1] == '\'' ? token[1..^1].Replace("''", "'", StringComparison.Ordinal) : token;
        }

        /// <summary>A string literal of <paramref name="text"/>.</summary>
        public static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

        // The index of the quote that closes the one at start; a doubled quote inside stands for itself.
        private static int ClosingQuote(string text, int start)
        {
            var quote = text[start];
            var escapes = quote == '\'' && start > 0 && text[start - 1] is 'E' or 'e';
            for (var i = start + 1; i < text.Length; i++)
            {
                if (escapes && text[i] == '\\')
                {
                    i++;
                    continue;
                }

                if (text[i] == quote)
                {
                    if (i + 1 < text.Length && text[i + 1] == quote)
                    {
                        i++;
                        continue;
                    }

                    return i;
                }
            }

            return text.Length - 1;
        }
    }
}
