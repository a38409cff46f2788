using System.Net.Sockets;
using GmoSign.Accounts;
using GmoSign.Platform.Database;
using GmoSign.Reseller;
using GmoSign.Retention;
using GmoSign.Signing;
using Npgsql;

namespace GmoSign.Host;

/// <summary>Before anything else starts: reach PostgreSQL, then bring the schema up to date.</summary>
internal static class DatabaseStartup
{
    public static IEnumerable<Migration> AllMigrations =>
        PlatformMigrations.All
            .Concat(AccountsModule.Migrations)
            .Concat(ResellerModule.Migrations)
            .Concat(SigningModule.Migrations)
            .Concat(RetentionModule.Migrations);

    /// <summary>
    /// Opens one connection; a failure becomes a <see cref="ConfigurationException"/> that names the setting and
    /// says what PostgreSQL answered, without the password.
    /// </summary>
    public static async Task VerifyReachableAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var target = $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            throw new ConfigurationException(HostSettings.ConnectionStringKey,
                $"({target}) was refused by PostgreSQL: {ex.SqlState} {ex.MessageText}");
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or ArgumentException)
        {
            var reason = ex.InnerException?.Message ?? ex.Message;
            throw new ConfigurationException(HostSettings.ConnectionStringKey, $"({target}) cannot be reached: {reason}");
        }
    }
}
