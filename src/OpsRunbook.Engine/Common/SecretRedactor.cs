using System;
using System.Collections.Generic;
using System.Linq;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Last line of defence: removes known secret values from text that leaves the engine
    /// (errors from drivers and servers), in plain and URL-encoded form.
    /// </summary>
    public static class SecretRedactor
    {
        public const string Mask = "***";

        public static string Redact(string text, IEnumerable<string?> secrets)
        {
            foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct().OrderByDescending(s => s!.Length))
            {
                text = text.Replace(secret!, Mask, StringComparison.Ordinal);
                var encoded = Uri.EscapeDataString(secret!);
                if (encoded != secret)
                {
                    text = text.Replace(encoded, Mask, StringComparison.OrdinalIgnoreCase);
                }
            }

            return text;
        }
    }
}
