using Dapper;
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
            await using var connection = db.CreateConnection();
            var plans = (await connection.QueryAsync<Plan>(new CommandDefinition(
                    "SELECT code, name_ja, name_en, seats FROM reseller.plan", cancellationToken: cancellationToken)))
                .ToDictionary(p => p.Code, StringComparer.Ordinal);
            var options = (await connection.QueryAsync<OptionDefinition>(new CommandDefinition(
                    "SELECT code, name_ja, name_en, max_quantity FROM reseller.option", cancellationToken: cancellationToken)))
                .ToDictionary(o => o.Code, StringComparer.Ordinal);
            _loaded = (plans, options);
            return _loaded.Value;
        }
        finally
        {
            _gate.Release();
        }
    }
}
