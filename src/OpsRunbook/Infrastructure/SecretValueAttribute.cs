using System;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// Marks a parameter whose value is itself a secret (a webhook address, a pattern that spells out the key it looks
    /// for): the incident timeline records that it was given, never what it was.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property)]
    internal sealed class SecretValueAttribute : Attribute
    {
    }
}
