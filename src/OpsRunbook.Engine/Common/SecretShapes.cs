using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Secrets known by their shape, whatever they are called: one place for what evidence, the incident timeline,
    /// restore points and Test-LogRedaction look for.
    /// </summary>
    public static class SecretShapes
    {
        private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;

        /// <summary>API keys and tokens of well-known formats: AWS access keys, OpenAI and Anthropic keys, GitHub and Slack tokens.</summary>
        public static readonly Regex KeyFormat = new(
            @"(?<![A-Za-z0-9])(?<value>sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9\-]{10,})", Options);

        /// <summary>A JSON Web Token: three base64url parts, the first two JSON objects ("eyJ").</summary>
        public static readonly Regex Jwt = new(@"(?<![A-Za-z0-9_\-])(?<value>eyJ[A-Za-z0-9_\-]{6,}\.eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,})", Options);

        /// <summary>A Slack incoming-webhook address: whoever has it may post to the channel.</summary>
        public static readonly Regex SlackWebhook = new(@"https://hooks\.slack\.com/services/(?<value>[A-Za-z0-9_/\-]+)", Options | RegexOptions.IgnoreCase);

        /// <summary>Authorization: Basic with its base64 user:password.</summary>
        public static readonly Regex BasicCredentials = new(@"\bBasic\s+(?<value>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])", Options | RegexOptions.IgnoreCase);

        /// <summary>The first line of a PEM private key; the key follows it.</summary>
        public static readonly Regex PrivateKeyBegin = new(@"-----BEGIN (?<value>[A-Z0-9 ]*PRIVATE KEY)-----", Options);

        /// <summary>Whether what follows "Basic" is base64 of user:password (and not the word "authentication").</summary>
        public static bool IsBasicPair(string value)
        {
            var bytes = new byte[value.Length];
            return System.Convert.TryFromBase64String(value, bytes, out var length) && length > 2
                && System.Text.Encoding.UTF8.GetString(bytes, 0, length) is var pair && pair.IndexOf(':') > 0 && !pair.Contains('\0');
        }

        /// <summary>Whether a value holds a secret of one of these shapes.</summary>
        public static bool Holds(string value) =>
            KeyFormat.IsMatch(value) || Jwt.IsMatch(value) || SlackWebhook.IsMatch(value) || PrivateKeyBegin.IsMatch(value)
            || (BasicCredentials.Match(value) is { Success: true } basic && IsBasicPair(basic.Groups["value"].Value));
    }
}
