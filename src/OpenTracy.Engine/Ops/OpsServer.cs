using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// The ops command host: TCP, one JSON object per line (<see cref="OpsRequest"/> in,
/// <see cref="OpsResponse"/> out, every answer closed by an <c>end</c> marker). Each connection gets
/// an <see cref="OpsSession"/> actor holding its palette handlers. Without an ops key only loopback
/// peers are served; with one, each request must carry it.
/// </summary>
public sealed class OpsServer : IAsyncDisposable
{
    private const int MaxLineChars = 64 * 1024;
    private const int OutputBuffer = 1024;

    private readonly ActorSystem _system;
    private readonly OpsSettings _settings;
    private readonly IReadOnlyList<PaletteInfo> _definitions;
    private readonly IReadOnlyDictionary<string, IOpsPalette> _palettes;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private long _connections;

    public OpsServer(ActorSystem system, OpsSettings settings, IEnumerable<IOpsPalette> palettes, ILogger log)
    {
        _system = system;
        _settings = settings;
        var list = palettes.ToList();
        _definitions = [.. list.Select(p => p.Definition)];
        _palettes = list.ToDictionary(p => p.Definition.Name, StringComparer.Ordinal);
        _log = log;
    }

    /// <summary>The bound endpoint (after <see cref="Start"/>; port 0 in the settings picks a free one).</summary>
    public IPEndPoint? Endpoint => _listener?.LocalEndpoint as IPEndPoint;

    public void Start()
    {
        var address = _settings.Host switch
        {
            "0.0.0.0" or "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            var h => IPAddress.Parse(h),
        };
        _listener = new TcpListener(address, _settings.Port);
        _listener.Start();
        _accepting = AcceptLoopAsync(_stopping.Token);
        _log.LogInformation("ops command host listening on {Endpoint} ({Auth}); palettes: {Palettes}", Endpoint,
            _settings.Key is null ? "loopback only" : "ops key required", string.Join(", ", _definitions.Select(d => d.Name)));
        if (_settings.LogPalettesOnStartup)
            foreach (var p in _definitions)
                _log.LogInformation("ops palette {Palette}: {Commands}", p.Name, string.Join(", ", p.Commands.Select(c => c.Name)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Stop();
        if (_accepting is not null)
        {
            try { await _accepting; }
            catch (OperationCanceledException) { }
        }
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogWarning("ops accept failed: {Error}", e.Message);
                continue;
            }
            _ = ServeAsync(client, stopping);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        using var _ = client;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var output = Channel.CreateBounded<OpsResponse>(new BoundedChannelOptions(OutputBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var stream = client.GetStream();
        var writing = WriteLoopAsync(stream, output.Reader, connection.Token);
        var remote = client.Client.RemoteEndPoint as IPEndPoint;
        IActorRef? session = null;
        CancellationTokenSource? running = null;
        try
        {
            if (_settings.Key is null && (remote is null || !IPAddress.IsLoopback(remote.Address)))
            {
                _log.LogWarning("ops: refused {Remote}: only loopback clients are served without an ops key", remote);
                output.Writer.TryWrite(OpsResponse.Error("this ops host serves loopback clients only (configure opentracy.ops.key to open it)"));
                output.Writer.TryWrite(OpsResponse.Done(false));
                return;
            }
            session = _system.ActorOf(OpsSession.Props(_palettes), $"ops-session-{Interlocked.Increment(ref _connections)}");
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            while (await reader.ReadLineAsync(connection.Token) is { } line)
            {
                if (line.Length > MaxLineChars) break;
                if (string.IsNullOrWhiteSpace(line)) continue;
                OpsRequest? request;
                try
                {
                    request = JsonSerializer.Deserialize(line, OpsJson.Default.OpsRequest);
                }
                catch (JsonException)
                {
                    request = null;
                }
                if (request is null)
                {
                    Answer(output.Writer, "malformed request (expected one JSON object per line)");
                    continue;
                }
                if (_settings.Key is { } key && (request.Key is null || !key.Matches(request.Key)))
                {
                    _log.LogWarning("ops: request from {Remote} without a valid ops key", remote);
                    Answer(output.Writer, "ops key required (pbm --key or OPENTRACY_OPS_KEY)");
                    continue;
                }
                switch (request.Type)
                {
                    case OpsRequest.Palettes:
                        output.Writer.TryWrite(new OpsResponse { Type = OpsResponse.PaletteList, Palettes = _definitions });
                        output.Writer.TryWrite(OpsResponse.Done(true));
                        break;
                    case OpsRequest.Cancel:
                        if (running is not null) await running.CancelAsync();
                        break;
                    case OpsRequest.Exec:
                        if (!CommandParser.TryParse(_definitions, request.Tokens ?? [], out var command, out var error))
                        {
                            Answer(output.Writer, error!);
                            break;
                        }
                        if (running is not null) await running.CancelAsync();
                        running?.Dispose();
                        running = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
                        session.Tell(new OpsExecute(command!, new OpsOutput(output.Writer, command!.Json, running.Token)));
                        break;
                    default:
                        Answer(output.Writer, $"unknown request type '{request.Type}'");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the host is stopping.
        }
        finally
        {
            output.Writer.TryComplete();
            if (session is not null) _system.Stop(session);
            try
            {
                await writing.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
            catch (Exception e) when (e is TimeoutException or IOException or OperationCanceledException or SocketException)
            {
            }
            await connection.CancelAsync();
            running?.Dispose();
        }
    }

    private static void Answer(ChannelWriter<OpsResponse> writer, string error)
    {
        writer.TryWrite(OpsResponse.Error(error));
        writer.TryWrite(OpsResponse.Done(false));
    }

    private static async Task WriteLoopAsync(NetworkStream stream, ChannelReader<OpsResponse> reader, CancellationToken token)
    {
        var newline = "\n"u8.ToArray();
        await foreach (var response in reader.ReadAllAsync(token))
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(response, OpsJson.Default.OpsResponse);
            await stream.WriteAsync(bytes, token);
            await stream.WriteAsync(newline, token);
            if (reader.Count == 0) await stream.FlushAsync(token);
        }
    }
}
