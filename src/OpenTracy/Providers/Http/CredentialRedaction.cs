namespace OpenTracy.Providers.Http;

/// <summary>
/// Last line of defence for "keys never appear in exception messages": providers sometimes echo
/// the key they were sent in their error body (e.g. "Incorrect API key provided: sk-..."), and
/// header validation errors may quote header values. Any such occurrence is replaced.
/// </summary>
public static class CredentialRedaction
{
    public const string Marker = "[redacted]";

    /// <summary>True when the exception's text (message, provider message, inner exceptions) contains one of the credentials' secrets.</summary>
    public static bool Exposes(Exception ex, ProviderCredentials credentials)
    {
        var secrets = Secrets(credentials);
        return secrets.Count > 0 && Mentions(ex.ToString(), secrets);
    }

    /// <summary>The exception unchanged when it does not mention a secret; otherwise a copy with every secret replaced (the inner exception is dropped when it mentions one).</summary>
    public static ProviderException Scrub(ProviderException ex, ProviderCredentials credentials)
    {
        var secrets = Secrets(credentials);
        if (secrets.Count == 0 || !Mentions(ex.ToString(), secrets)) return ex;
        var message = ex.ProviderMessage;
        foreach (var s in secrets) message = message.Replace(s, Marker, StringComparison.Ordinal);
        var inner = ex.InnerException is { } i && !Mentions(i.ToString(), secrets) ? i : null;
        return new ProviderException(ex.Provider, ex.Kind, ex.StatusCode, message, ex.RetryAfter, inner);
    }

    private static List<string> Secrets(ProviderCredentials credentials)
    {
        var list = new List<string>(2);
        if (credentials.ApiKey is { } k) list.Add(k.Reveal());
        if (credentials.Aws is { } aws)
        {
            list.Add(aws.SecretAccessKey.Reveal());
            if (aws.SessionToken is { } t) list.Add(t.Reveal());
        }
        return list;
    }

    private static bool Mentions(string text, List<string> secrets)
    {
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) return true;
        return false;
    }
}
