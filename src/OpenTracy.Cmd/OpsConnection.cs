using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Cmd;

/// <summary>One TCP connection to a node's ops port: requests out, response lines in (until each answer's end marker).</summary>
public sealed class OpsConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly Stream _stream;
    private readonly string? _key;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private OpsConnection(TcpClient client, string? key)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _key = key;
    }

    public static async Task<OpsConnection> ConnectAsync(string host, int port, string? key, TimeSpan timeout)
    {
        var client = new TcpClient { NoDelay = true };
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync(host, port, cts.Token);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return new OpsConnection(client, key);
    }

    public Task ExecAsync(IReadOnlyList<string> tokens) => SendAsync(new OpsRequest { Type = OpsRequest.Exec, Tokens = tokens, Key = _key });

    public Task CancelAsync() => SendAsync(new OpsRequest { Type = OpsRequest.Cancel, Key = _key });

    /// <summary>Downloads the palette definitions (for help and completion).</summary>
    public async Task<IReadOnlyList<PaletteInfo>> PalettesAsync(CancellationToken cancellationToken)
    {
        await SendAsync(new OpsRequest { Type = OpsRequest.Palettes, Key = _key });
        IReadOnlyList<PaletteInfo> palettes = [];
        string? error = null;
        await foreach (var response in ReadUntilEndAsync(cancellationToken))
        {
            if (response.Type == OpsResponse.PaletteList) palettes = response.Palettes ?? [];
            else if (response.Type == OpsResponse.Err) error = response.Text;
            else if (response.Type == OpsResponse.End && response.Ok == false) throw new InvalidOperationException(error ?? "the ops host refused");
        }
        return palettes;
    }

    /// <summary>Responses of the current request, its end marker last. Ends early if the host closes the connection.</summary>
    public async IAsyncEnumerable<OpsResponse> ReadUntilEndAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            OpsResponse? response;
            try
            {
                response = JsonSerializer.Deserialize(line, OpsJson.Default.OpsResponse);
            }
            catch (JsonException)
            {
                continue;
            }
            if (response is null) continue;
            yield return response;
            if (response.Type == OpsResponse.End) yield break;
        }
        throw new IOException("the ops host closed the connection");
    }

    private async Task SendAsync(OpsRequest request)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request, OpsJson.Default.OpsRequest);
        await _writeGate.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
            await _stream.WriteAsync("\n"u8.ToArray());
            await _stream.FlushAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _client.Dispose();
        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }
}
