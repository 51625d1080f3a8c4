using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Last line of defence, for text the engine did not compose (a driver's or a server's message, a program's
    /// stderr): removes known secret values in plain and URL-encoded form. Only whole occurrences of a short secret
    /// go: one inside a longer word is left, so a short or common password neither turns ordinary words into stars nor
    /// shows itself by the gaps it would leave; a long one goes wherever it stands. What the engine composes itself is
    /// masked by structure before it gets here (the user-info of a URI, the value of a password= pair), and this is
    /// never run over it.
    /// </summary>
    public static class SecretRedactor
    {
        public const string Mask = "***";

        /// <summary>The length from which a secret is masked inside other words too.</summary>
        public const int AnywhereLength = 12;

        public static string Redact(string text, IEnumerable<string?> secrets)
        {
            var forms = secrets.Where(s => !string.IsNullOrEmpty(s))
                .SelectMany(s => new[] { s!, Uri.EscapeDataString(s!) })
                .Distinct(StringComparer.Ordinal)
                .OrderByDescending(s => s.Length);
            var count = 0;
            foreach (var secret in forms)
            {
                text = ReplaceWhole(text, secret, Mask, ref count);
            }

            return text;
        }

        /// <summary>
        /// Replaces each whole occurrence of <paramref name="secret"/> with <paramref name="mask"/>, counting them. A secret
        /// of <see cref="AnywhereLength"/> characters or more is replaced wherever it stands: no word holds one by chance.
        /// </summary>
        public static string ReplaceWhole(string text, string secret, string mask, ref int count)
        {
            var index = text.IndexOf(secret, StringComparison.Ordinal);
            if (index < 0)
            {
                return text;
            }

            var result = new StringBuilder(text.Length);
            var from = 0;
            while (index >= 0)
            {
                var end = index + secret.Length;
                var whole = secret.Length >= AnywhereLength
                    || ((index == 0 || !Joins(text[index - 1], secret[0])) && (end == text.Length || !Joins(text[end], secret[^1])));
                result.Append(text, from, index - from).Append(whole ? mask : secret);
                count += whole ? 1 : 0;
                from = end;
                index = text.IndexOf(secret, from, StringComparison.Ordinal);
            }

            return result.Append(text, from, text.Length - from).ToString();
        }

        // Two characters side by side are one word when both are letters or digits.
        private static bool Joins(char outside, char edge) => char.IsLetterOrDigit(outside) && char.IsLetterOrDigit(edge);
    }
}
