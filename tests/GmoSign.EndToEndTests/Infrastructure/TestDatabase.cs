using Npgsql;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>
/// A database of its own on the test PostgreSQL (deploy/test.sh provisions it and exports
/// GMOSIGN_TEST_POSTGRES), so that fixtures never see each other's rows.
/// </summary>
public sealed class TestDatabase
{
    private TestDatabase(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("GMOSIGN_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "GMOSIGN_TEST_POSTGRES is not set: run the tests with deploy/test.sh, which provisions PostgreSQL.");

    /// <summary>The test cluster's own database (not a fixture's): for statements about a fixture's database.</summary>
    public sealed class Server
    {
        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(ServerConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString);
        var name = "e2e_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        server.Database = name;
        return new TestDatabase(server.ConnectionString);
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }
        return await command.ExecuteNonQueryAsync();
    }
}
