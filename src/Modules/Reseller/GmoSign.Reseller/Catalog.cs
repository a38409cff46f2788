using Npgsql;

namespace GmoSign.Reseller;

internal sealed record Plan(string Code, string NameJa, string NameEn, int Seats);

internal sealed record OptionDefinition(string Code, string NameJa, string NameEn, int MaxQuantity);

/// <summary>The operator's plan and option catalogue (schema <c>reseller</c>), read once and kept in memory.</summary>
internal sealed class Catalog(NpgsqlDataSource db)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (Dictionary<string, Plan> Plans, Dictionary<string, OptionDefinition> Options)? _loaded;

    public async Task<Plan?> FindPlanAsync(string code, CancellationToken cancellationToken) =>
        (await LoadAsync(cancellationToken)).Plans.GetValueOrDefault(code);

    public async Task<OptionDefinition?> FindOptionAsync(string code, CancellationToken cancellationToken) =>
        (await LoadAsync(cancellationToken)).Options.GetValueOrDefault(code);

    public async Task<(IEnumerable<Plan> Plans, IEnumerable<OptionDefinition> Options)> ListAsync(CancellationToken cancellationToken)
    {
        var (plans, options) = await LoadAsync(cancellationToken);
        return (plans.Values.OrderBy(p => p.Seats), options.Values.OrderBy(o => o.Code, StringComparer.Ordinal));
    }

    private async Task<(Dictionary<string, Plan> Plans, Dictionary<string, OptionDefinition> Options)> LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded is { } loaded)
        {
            return loaded;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_loaded is { } again)
            {
                return again;
            }
            var plans = new Dictionary<string, Plan>(StringComparer.Ordinal);
            await using (var command = db.CreateCommand("SELECT code, name_ja, name_en, seats FROM reseller.plan"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    plans[reader.GetString(0)] = new Plan(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3));
                }
            }
            var options = new Dictionary<string, OptionDefinition>(StringComparer.Ordinal);
            await using (var command = db.CreateCommand("SELECT code, name_ja, name_en, max_quantity FROM reseller.option"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    options[reader.GetString(0)] = new OptionDefinition(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3));
                }
            }
            _loaded = (plans, options);
            return _loaded.Value;
        }
        finally
        {
            _gate.Release();
        }
    }
}
