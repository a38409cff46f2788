using GmoSign.Platform.Validation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmoSign.Accounts;

/// <summary>
/// Creates the operator's first administrator from configuration at start-up, once. If an operator with that
/// login id exists nothing changes (a changed password in configuration does not overwrite the stored one).
/// </summary>
internal sealed class OperatorBootstrap(
    AccountStore store, Passwords passwords, IOptions<AccountsOptions> options, ILogger<OperatorBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.BootstrapOperatorLoginId) || string.IsNullOrEmpty(settings.BootstrapOperatorPassword))
        {
            return;
        }
        var loginId = Check.Email(settings.BootstrapOperatorLoginId, "GmoSign:Accounts:BootstrapOperatorLoginId").ToLowerInvariant();
        Passwords.EnforcePolicy(settings.BootstrapOperatorPassword, "GmoSign:Accounts:BootstrapOperatorPassword");
        if (await store.EnsureOperatorAsync(loginId, await passwords.HashAsync(settings.BootstrapOperatorPassword, cancellationToken), cancellationToken))
        {
            logger.LogInformation("Created the operator administrator {LoginId}", loginId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
