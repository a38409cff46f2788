namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>The checkout the tests run from: the folder holding GmoSign.sln above the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The built web pages (<c>web/dist</c>, written by <c>npm run build</c> in <c>web/</c>).</summary>
    public static string WebDist => Path.Combine(Root, "web", "dist");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GmoSign.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (GmoSign.sln) above " + AppContext.BaseDirectory);
    }
}
