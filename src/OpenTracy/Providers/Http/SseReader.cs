using System.Runtime.CompilerServices;
using System.Text;

namespace OpenTracy.Providers.Http;

/// <summary>One server-sent event: the optional <c>event:</c> name and the joined <c>data:</c> lines.</summary>
public readonly record struct SseEvent(string? Event, string Data);

/// <summary>Reads a <c>text/event-stream</c> body into events (WHATWG rules: blank line ends an event, comments skipped).</summary>
public static class SseReader
{
    public static async IAsyncEnumerable<SseEvent> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        string? eventName = null;
        StringBuilder? data = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null) break;
            if (line.Length == 0)
            {
                if (data is not null) yield return new SseEvent(eventName, data.ToString());
                eventName = null;
                data = null;
                continue;
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.Length > 0 && value[0] == ' ') value = value[1..];
            switch (field)
            {
                case "event":
                    eventName = value;
                    break;
                case "data":
                    if (data is null) data = new StringBuilder(value);
                    else data.Append('\n').Append(value);
                    break;
            }
        }
        if (data is not null) yield return new SseEvent(eventName, data.ToString());
    }
}
