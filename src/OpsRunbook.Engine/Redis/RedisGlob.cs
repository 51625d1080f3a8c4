using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// A key pattern as Redis reads it (SCAN MATCH, KEYS): * any run of bytes, ? one byte, [abc], [^abc] and
    /// [a-z] one byte of a set, \x the byte x. Checked before use, so a typo never reaches the server, and matched
    /// here too, so a key the server returned is deleted only when it matches.
    /// </summary>
    public sealed class RedisGlob
    {
        private readonly Token[] _tokens;

        private RedisGlob(string text, Token[] tokens)
        {
            Text = text;
            _tokens = tokens;
        }

        public string Text { get; }

        /// <summary>True for *, ** ...: every key of the database.</summary>
        public bool MatchesEverything => _tokens.All(t => t.Kind == TokenKind.Star);

        public override string ToString() => Text;

        /// <summary>Reads a pattern. Throws InvalidPattern for one that is empty, has an unclosed [ or ends in a lone \.</summary>
        public static RedisGlob Parse(string? pattern)
        {
            if (string.IsNullOrEmpty(pattern))
            {
                throw Invalid(pattern ?? string.Empty, "it is empty");
            }

            var bytes = Encoding.UTF8.GetBytes(pattern);
            var tokens = new List<Token>();
            for (var i = 0; i < bytes.Length; i++)
            {
                switch (bytes[i])
                {
                    case (byte)'*':
                        if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                        {
                            tokens.Add(Token.Star);
                        }

                        break;
                    case (byte)'?':
                        tokens.Add(Token.Any);
                        break;
                    case (byte)'[':
                        tokens.Add(ReadClass(pattern, bytes, ref i));
                        break;
                    case (byte)'\\':
                        if (i + 1 >= bytes.Length)
                        {
                            throw Invalid(pattern, "it ends in a lone \\ (write \\\\ for a backslash)");
                        }

                        tokens.Add(Token.Literal(bytes[++i]));
                        break;
                    default:
                        tokens.Add(Token.Literal(bytes[i]));
                        break;
                }
            }

            return new RedisGlob(pattern, tokens.ToArray());
        }

        public bool IsMatch(ReadOnlySpan<byte> key)
        {
            // Greedy with one backtrack point: the last * takes one more byte whenever what follows it fails.
            int p = 0, s = 0, star = -1, starKey = 0;
            while (s < key.Length)
            {
                if (p < _tokens.Length && _tokens[p].Kind != TokenKind.Star && _tokens[p].Matches(key[s]))
                {
                    p++;
                    s++;
                }
                else if (p < _tokens.Length && _tokens[p].Kind == TokenKind.Star)
                {
                    star = p++;
                    starKey = s;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    s = ++starKey;
                }
                else
                {
                    return false;
                }
            }

            while (p < _tokens.Length && _tokens[p].Kind == TokenKind.Star)
            {
                p++;
            }

            return p == _tokens.Length;
        }

        public bool IsMatch(string key) => IsMatch(Encoding.UTF8.GetBytes(key));

        // As Redis's stringmatchlen reads a class: [^...] negates, \x escapes, a-z is a range (either way round).
        private static Token ReadClass(string pattern, byte[] bytes, ref int i)
        {
            var set = new bool[256];
            var negate = i + 1 < bytes.Length && bytes[i + 1] == (byte)'^';
            i += negate ? 2 : 1;
            var members = 0;
            for (; i < bytes.Length; i++)
            {
                var c = bytes[i];
                if (c == (byte)'\\' && i + 1 < bytes.Length)
                {
                    set[bytes[++i]] = true;
                }
                else if (c == (byte)']')
                {
                    if (members == 0)
                    {
                        throw Invalid(pattern, "it has an empty [] set, which matches nothing");
                    }

                    return Token.Class(set, negate);
                }
                else if (i + 2 < bytes.Length && bytes[i + 1] == (byte)'-')
                {
                    var (low, high) = c <= bytes[i + 2] ? (c, bytes[i + 2]) : (bytes[i + 2], c);
                    for (var b = low; b <= high; b++)
                    {
                        set[b] = true;
                        if (b == byte.MaxValue)
                        {
                            break;
                        }
                    }

                    i += 2;
                }
                else
                {
                    set[c] = true;
                }

                members++;
            }

            throw Invalid(pattern, "a [ is never closed by ] (write \\[ for a literal [)");
        }

        private static OpsRunbookException Invalid(string pattern, string reason) =>
            Failures.InvalidArgument(CommonErrors.InvalidPattern, $"The key pattern '{pattern}' cannot be used: {reason}.", pattern,
                "Write a Redis glob pattern such as 'cache:market:*', 'session:??:*' or 'user:[0-9]*'; escape * ? [ ] and \\ with \\ to match them literally.");

        private enum TokenKind
        {
            Literal,
            Any,
            Star,
            Class,
        }

        private sealed class Token
        {
            private readonly byte _literal;
            private readonly bool[]? _set;
            private readonly bool _negate;

            private Token(TokenKind kind, byte literal = 0, bool[]? set = null, bool negate = false)
            {
                Kind = kind;
                _literal = literal;
                _set = set;
                _negate = negate;
            }

            public static Token Star { get; } = new(TokenKind.Star);

            public static Token Any { get; } = new(TokenKind.Any);

            public TokenKind Kind { get; }

            public static Token Literal(byte value) => new(TokenKind.Literal, value);

            public static Token Class(bool[] set, bool negate) => new(TokenKind.Class, set: set, negate: negate);

            public bool Matches(byte value) => Kind switch
            {
                TokenKind.Literal => value == _literal,
                TokenKind.Any => true,
                TokenKind.Class => _set![value] != _negate,
                _ => false,
            };
        }
    }
}
