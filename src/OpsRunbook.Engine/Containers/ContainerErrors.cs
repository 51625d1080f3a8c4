namespace OpsRunbook.Engine.Containers
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class ContainerErrors
    {
        public const string ContainerFileNotFound = nameof(ContainerFileNotFound);
        public const string ContainerNotFound = nameof(ContainerNotFound);
        public const string ContainerSecretMissing = nameof(ContainerSecretMissing);
        public const string DockerRequestFailed = nameof(DockerRequestFailed);
        public const string DockerUnavailable = nameof(DockerUnavailable);
        public const string ImageNotFound = nameof(ImageNotFound);
        public const string InvalidDockerHost = nameof(InvalidDockerHost);
    }
}
