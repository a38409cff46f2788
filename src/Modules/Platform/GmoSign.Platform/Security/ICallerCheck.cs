namespace GmoSign.Platform.Security;

/// <summary>
/// Runs for every authenticated call after the access rule admitted it: rules about the caller that modules own
/// (an IP allow-list, recording deemed consent to the terms on use). Throws a DomainException to refuse.
/// Implementations must be cheap: they run on the hot path, so they cache what they read.
/// </summary>
public interface ICallerCheck
{
    ValueTask CheckAsync(Caller caller, CancellationToken cancellationToken);
}
