using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GmoSign.Platform.Database;

/// <summary>One versioned SQL script: <c>&lt;module&gt;:&lt;NNNN_name&gt;.sql</c>, embedded in the module's assembly.</summary>
public sealed record Migration(string Id, string Sql)
{
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>Every <c>Migrations/*.sql</c> resource of an assembly, in file-name order.</summary>
    public static IEnumerable<Migration> FromAssembly(Assembly assembly, string module) =>
        assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var file = n[(n.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
                return new Migration($"{module}:{file}", reader.ReadToEnd());
            });
}

/// <summary>
/// Applies the migrations that are not applied yet, each in its own transaction, under an advisory lock so that
/// two hosts starting together apply each script once. A script that changed after it was applied stops start-up:
/// applied migrations are history, and a new change needs a new script.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    private const long LockKey = 0x676D6F7369676E; // "gmosign"

    private sealed record Applied(string Id, string Checksum);

    public async Task<int> ApplyAsync(IEnumerable<Migration> migrations, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS public.schema_migration (
                    id         text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = (await connection.QueryAsync<Applied>(new CommandDefinition(
                    "SELECT id, checksum FROM public.schema_migration", cancellationToken: cancellationToken)))
                .ToDictionary(a => a.Id, a => a.Checksum, StringComparer.Ordinal);

            var count = 0;
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Id, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Id} was changed after it was applied; add a new migration instead.");
                    }
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO public.schema_migration (id, checksum) VALUES (@Id, @Checksum)",
                    new { migration.Id, migration.Checksum }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {MigrationId}", migration.Id);
                count++;
            }
            return count;
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
}
