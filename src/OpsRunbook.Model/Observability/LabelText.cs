using System.Collections;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OpsRunbook
{
    /// <summary>Label sets written the way PromQL writes them: name{a="1",b="2"}.</summary>
    internal static class LabelText
    {
        public static string Format(Hashtable labels, string? name = null)
        {
            var builder = new StringBuilder(name ?? labels["__name__"] as string ?? string.Empty);
            var pairs = labels.Keys.Cast<object>().Select(k => k.ToString()!).Where(k => k != "__name__").OrderBy(k => k, System.StringComparer.Ordinal).ToList();
            if (pairs.Count == 0)
            {
                return builder.Length == 0 ? "{}" : builder.ToString();
            }

            builder.Append('{');
            builder.AppendJoin(",", pairs.Select(k => $"{k}=\"{System.Convert.ToString(labels[k], CultureInfo.InvariantCulture)}\""));
            return builder.Append('}').ToString();
        }
    }
}
