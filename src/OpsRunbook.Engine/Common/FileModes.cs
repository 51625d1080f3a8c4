using System.IO;

namespace OpsRunbook.Engine.Common
{
    /// <summary>Unix file modes, kept where the platform has them (a configuration file's 0600 must stay 0600).</summary>
    public static class FileModes
    {
        private const UnixFileMode Default = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        public static UnixFileMode Get(string path) => System.OperatingSystem.IsWindows() ? Default : File.GetUnixFileMode(path);

        public static void Set(string path, UnixFileMode mode)
        {
            if (!System.OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, mode);
            }
        }
    }
}
