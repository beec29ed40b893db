namespace OpenTracy;

/// <summary>
/// The request cannot be sent as configured: the reference SDK's <c>ValueError</c>s
/// (<c>Cannot resolve provider for model ...</c>, <c>No API key for ...</c>, <c>Unknown provider: ...</c>,
/// the Azure endpoint/key errors). Not retried; the next fallback is tried at once, since a
/// fallback may resolve differently (another provider, its own key).
/// </summary>
public sealed class CompletionConfigurationException(string message) : ArgumentException(message);
