using System;
using System.Linq;

namespace OpsRunbook
{
    /// <summary>
    /// A database's own properties, which a dump's objects do not carry and a restore must put back: who owns it,
    /// who may connect, its settings, its encoding and locale, its connection limit and comment, and who owns and
    /// may use its public schema.
    /// </summary>
    public sealed class DatabaseProperties
    {
        /// <summary>Where they were read: "target database", "source database", "backup manifest", "dump" or "server defaults".</summary>
        public string Source { get; set; } = string.Empty;

        public string? Owner { get; set; }

        public string? Encoding { get; set; }

        /// <summary>LC_COLLATE.</summary>
        public string? Collation { get; set; }

        /// <summary>LC_CTYPE.</summary>
        public string? CharacterType { get; set; }

        /// <summary>libc, icu or builtin; null on servers before PostgreSQL 15.</summary>
        public string? LocaleProvider { get; set; }

        /// <summary>The ICU or builtin provider's locale; null for libc.</summary>
        public string? ProviderLocale { get; set; }

        /// <summary>ICU tailoring rules (PostgreSQL 16 and later).</summary>
        public string? IcuRules { get; set; }

        /// <summary>Its default tablespace, when it is not pg_default.</summary>
        public string? Tablespace { get; set; }

        /// <summary>-1 for no limit.</summary>
        public int ConnectionLimit { get; set; } = -1;

        public string? Comment { get; set; }

        /// <summary>The database's privileges as aclitems ("=T/app", "app=CTc/app"); null for PostgreSQL's default.</summary>
        public string[]? Access { get; set; }

        /// <summary>ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET.</summary>
        public DatabaseSetting[] Settings { get; set; } = Array.Empty<DatabaseSetting>();

        /// <summary>The public schema's owner; null when it is left as the restore made it.</summary>
        public string? PublicSchemaOwner { get; set; }

        /// <summary>The public schema's privileges as aclitems; null with <see cref="PublicSchemaOwner"/> null, or for PostgreSQL's default.</summary>
        public string[]? PublicSchemaAccess { get; set; }

        public override string ToString()
        {
            var parts = new[]
            {
                Owner is null ? null : "owner " + Owner,
                Encoding is null ? null : $"{Encoding} {Collation}" + (ProviderLocale is null ? string.Empty : $" ({LocaleProvider} {ProviderLocale})"),
                Access is null ? null : "access {" + string.Join(",", Access) + "}",
                Settings.Length == 0 ? null : Settings.Length + (Settings.Length == 1 ? " setting" : " settings"),
                ConnectionLimit < 0 ? null : $"connection limit {ConnectionLimit}",
                Comment is null ? null : "comment",
                PublicSchemaOwner is null ? null : "public schema owner " + PublicSchemaOwner,
            };
            return $"from {Source}: " + string.Join(", ", parts.Where(p => p is not null));
        }
    }

    /// <summary>One setting of a database, for everyone or for one role in it.</summary>
    public sealed class DatabaseSetting
    {
        public DatabaseSetting(string? role, string name, string value)
        {
            Role = role;
            Name = name;
            Value = value;
        }

        /// <summary>Null for ALTER DATABASE ... SET; the role's name for ALTER ROLE ... IN DATABASE ... SET.</summary>
        public string? Role { get; }

        public string Name { get; }

        /// <summary>As SQL writes it after TO: '64MB', or '$user', 'public' for a list.</summary>
        public string Value { get; }

        public override string ToString() => (Role is null ? string.Empty : $"for {Role}: ") + $"{Name} = {Value}";
    }
}
