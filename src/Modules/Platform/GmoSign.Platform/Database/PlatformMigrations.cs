namespace GmoSign.Platform.Database;

/// <summary>The platform's own scripts: the Orleans runtime tables come first, before any module's.</summary>
public static class PlatformMigrations
{
    public static IEnumerable<Migration> All => Migration.FromAssembly(typeof(PlatformMigrations).Assembly, "platform");
}
