using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// A plain SQL backup is a psql script, and psql runs its backslash commands: \! runs a program, \connect writes
    /// into another database, \o and \w write files. Before one is restored, it is read as psql reads it (quotes,
    /// dollar quotes, comments, COPY data) and refused if it holds any backslash command other than the \restrict and
    /// \unrestrict that pg_dump itself writes.
    /// </summary>
    internal static class PlainDumpScanner
    {
        private const int StatementStart = 4096;

        private static readonly Regex CopyFromStdin = new(@"^COPY\b.*\bFROM\s+STDIN\b", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);

        public static async Task CheckAsync(string path, bool gzip, CancellationToken cancellationToken)
        {
            var (line, command) = await Task.Run(() =>
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
                using var reader = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: false, 1 << 16);
                return Find(reader, cancellationToken);
            }, cancellationToken).ConfigureAwait(false);
            if (command is null)
            {
                return;
            }

            var why = command is "c" or "connect"
                ? "it would restore into another database than the scratch copy (a dump made with --create, or by pg_dumpall)"
                : "pg_dump never writes it, and psql would run it: it can start programs, write files or connect elsewhere";
            throw new OpsRunbookException(DatabaseErrors.BackupHasMetaCommand, FailureCategory.SecurityError,
                $"The plain SQL backup '{path}' holds the psql command \\{command} at line {line}: {why}. Nothing was restored and no database was touched.", path,
                "Restore a backup made by pg_dump without --create (Invoke-DatabaseBackup makes one); if you trust this file, read it and run it with psql yourself.");
        }

        /// <summary>The first backslash command outside quotes, comments and COPY data that is not pg_dump's own, with its line; a null command when there is none.</summary>
        internal static (long Line, string? Command) Find(TextReader reader, CancellationToken cancellationToken)
        {
            var input = new Lookahead(reader, cancellationToken);
            var statement = new StringBuilder();
            var previous = '\n';
            while (input.Next() is int next)
            {
                var c = (char)next;
                switch (c)
                {
                    case '\\':
                        var name = new StringBuilder();
                        while (input.Peek(0) is char n && !char.IsWhiteSpace(n) && n != '\\' && (name.Length == 0 || char.IsAsciiLetterOrDigit(n) || n == '_'))
                        {
                            name.Append(n);
                            input.Next();
                        }

                        if (name.ToString() is not ("restrict" or "unrestrict"))
                        {
                            return (input.Line, name.Length == 0 ? "\\" : name.ToString());
                        }

                        input.SkipLine(); // its argument
                        previous = '\n';
                        continue;

                    case '-' when input.Peek(0) == '-':
                        input.SkipLine();
                        previous = '\n';
                        continue;

                    case '/' when input.Peek(0) == '*':
                        input.Next();
                        SkipBlockComment(input);
                        continue;

                    case '\'':
                        var escapes = previous is 'E' or 'e' && (statement.Length < 2 || !IsIdentifierChar(statement[^2]));
                        Append(statement, c);
                        SkipQuoted(input, '\'', escapes, statement);
                        break;

                    case '"':
                        Append(statement, c);
                        SkipQuoted(input, '"', false, statement);
                        break;

                    case '$' when !IsIdentifierChar(previous) && DollarTag(input) is { } tag:
                        Append(statement, c);
                        input.Skip(tag.Length - 1);
                        SkipDollarQuoted(input, tag);
                        break;

                    case ';':
                        if (CopyFromStdin.IsMatch(statement.ToString()))
                        {
                            // psql sends the lines after the statement as data, up to a line "\."
                            input.SkipLine();
                            while (input.ReadLineStart(3) is string start && start != "\\.")
                            {
                            }
                        }

                        statement.Clear();
                        break;

                    default:
                        if (statement.Length > 0 || !char.IsWhiteSpace(c))
                        {
                            Append(statement, c);
                        }

                        break;
                }

                previous = c;
            }

            return (input.Line, null);
        }

        // Only the start of a statement matters (is it COPY ... FROM stdin?); COPY's column list fits in it.
        private static void Append(StringBuilder statement, char c)
        {
            if (statement.Length < StatementStart)
            {
                statement.Append(c);
            }
        }

        private static void SkipQuoted(Lookahead input, char quote, bool escapes, StringBuilder statement)
        {
            while (input.Next() is int next)
            {
                var c = (char)next;
                Append(statement, c);
                if (escapes && c == '\\')
                {
                    input.Next();
                }
                else if (c == quote)
                {
                    return; // a doubled quote closes and opens again: the same for this purpose
                }
            }
        }

        private static void SkipDollarQuoted(Lookahead input, string tag)
        {
            while (input.Next() is int next)
            {
                if (next == '$' && input.Matches(tag.AsSpan(1)))
                {
                    input.Skip(tag.Length - 1);
                    return;
                }
            }
        }

        private static void SkipBlockComment(Lookahead input)
        {
            var depth = 1;
            while (depth > 0 && input.Next() is int next)
            {
                if (next == '*' && input.Peek(0) == '/')
                {
                    input.Next();
                    depth--;
                }
                else if (next == '/' && input.Peek(0) == '*')
                {
                    input.Next();
                    depth++;
                }
            }
        }

        // "$tag$" or "$$" just read up to its first '$'; null when it is not one ($1 is a parameter).
        private static string? DollarTag(Lookahead input)
        {
            var tag = new StringBuilder("$");
            for (var k = 0; input.Peek(k) is char c; k++)
            {
                if (c == '$')
                {
                    return tag.Append('$').ToString();
                }

                if (!(char.IsAsciiLetter(c) || c == '_' || c > 127 || (k > 0 && char.IsAsciiDigit(c))) || k > 64)
                {
                    return null;
                }

                tag.Append(c);
            }

            return null;
        }

        private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$' || c > 127;

        /// <summary>Characters with a look ahead across buffer ends, counting lines; memory stays flat whatever the line lengths.</summary>
        private sealed class Lookahead
        {
            private readonly TextReader _reader;
            private readonly CancellationToken _cancellationToken;
            private readonly char[] _buffer = new char[1 << 16];
            private int _position;
            private int _length;

            public Lookahead(TextReader reader, CancellationToken cancellationToken)
            {
                _reader = reader;
                _cancellationToken = cancellationToken;
            }

            public long Line { get; private set; } = 1;

            public int? Next()
            {
                if (!Fill(1))
                {
                    return null;
                }

                var c = _buffer[_position++];
                if (c == '\n')
                {
                    Line++;
                }

                return c;
            }

            public char? Peek(int offset) => Fill(offset + 1) ? _buffer[_position + offset] : null;

            public bool Matches(ReadOnlySpan<char> text) => Fill(text.Length) && _buffer.AsSpan(_position, text.Length).SequenceEqual(text);

            public void Skip(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    Next();
                }
            }

            public void SkipLine()
            {
                while (Next() is int c && c != '\n')
                {
                }
            }

            /// <summary>Reads a whole line and returns its first <paramref name="keep"/> characters (more only as "…"); null at the end.</summary>
            public string? ReadLineStart(int keep)
            {
                if (!Fill(1))
                {
                    return null;
                }

                var start = new StringBuilder();
                while (Next() is int c && c != '\n')
                {
                    if (start.Length <= keep)
                    {
                        start.Append((char)c);
                    }
                }

                return start.Length > keep ? start.ToString(0, keep) + "…" : start.ToString();
            }

            private bool Fill(int count)
            {
                if (_length - _position >= count)
                {
                    return true;
                }

                _cancellationToken.ThrowIfCancellationRequested();
                Array.Copy(_buffer, _position, _buffer, 0, _length - _position);
                _length -= _position;
                _position = 0;
                int read;
                while (_length < count && (read = _reader.Read(_buffer, _length, _buffer.Length - _length)) > 0)
                {
                    _length += read;
                }

                return _length >= count;
            }
        }
    }
}
