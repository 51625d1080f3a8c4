namespace OpsRunbook
{
    /// <summary>What checking a restore point's files against its manifest found.</summary>
    public enum RollbackPointVerification
    {
        /// <summary>Not checked: Get-RollbackPoint without -Verify.</summary>
        NotChecked,

        /// <summary>Every file is there with the checksum the manifest records.</summary>
        Valid,

        /// <summary>A file's bytes differ from what the manifest records.</summary>
        Corrupt,

        /// <summary>A file the manifest lists is missing, or the manifest itself is.</summary>
        Incomplete,
    }
}
