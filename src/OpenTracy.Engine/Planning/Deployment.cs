using OpenTracy.Engine.RateLimiting;
using OpenTracy.Providers;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// One place a request can go: a provider endpoint (base URL + credentials) and the bare model
/// name it receives. <see cref="DisplayName"/> is the model string as the client or the
/// configuration wrote it (<c>openai/gpt-4o-mini</c>); <see cref="StatsKey"/> identifies the
/// deployment's runtime statistics (never contains a credential). <see cref="Limit"/>: a model-group
/// deployment's own cluster-wide limit (<c>rpm</c>/<c>tpm</c>), null when it has none.
/// </summary>
public sealed record Deployment(string DisplayName, ProviderEndpoint Endpoint, string Model, string StatsKey, DeploymentLimit? Limit = null)
{
    public string ProviderName => Endpoint.Provider.Name;

    public override string ToString() => $"{DisplayName} ({Endpoint}, key {Endpoint.Credentials.Fingerprint})";
}

/// <summary>A deployment in a plan, with the number of extra attempts it gets on retryable failures.</summary>
public sealed record Candidate(Deployment Deployment, int NumRetries);

/// <summary>The ordered candidates for one request: tried in order until one answers.</summary>
public sealed record RoutePlan(string RequestedModel, IReadOnlyList<Candidate> Candidates);
