using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>How a streamed answer ends.</summary>
internal enum StreamEnd
{
    /// <summary>The format's closing events (stop reason, usage, <c>[DONE]</c> ...).</summary>
    Finish,

    /// <summary><c>drop-after</c>: the connection is cut on purpose.</summary>
    Drop,

    /// <summary><c>error-after</c>: the provider's own mid-stream error event, then the stream ends.</summary>
    Error,
}

/// <summary>
/// What the stream directives make of an answer of <paramref name="Pieces"/> pieces: how many pieces
/// are sent and how the stream ends. <c>drop-after=C</c> / <c>error-after=C</c> cut the stream after
/// C pieces (at most all of them, so a C beyond the answer cuts it after the last piece instead of
/// finishing); when both land on the same place, the drop wins.
/// </summary>
internal readonly record struct StreamPlan(int Pieces, StreamEnd End)
{
    public static StreamPlan For(Directive d, int pieceCount)
    {
        var dropAt = d.DropAfter >= 0 ? Math.Min(d.DropAfter, pieceCount) : int.MaxValue;
        var errorAt = d.ErrorAfter >= 0 ? Math.Min(d.ErrorAfter, pieceCount) : int.MaxValue;
        if (dropAt != int.MaxValue && dropAt <= errorAt)
        {
            return new StreamPlan(dropAt, StreamEnd.Drop);
        }
        return errorAt != int.MaxValue
            ? new StreamPlan(errorAt, StreamEnd.Error)
            : new StreamPlan(pieceCount, StreamEnd.Finish);
    }
}

/// <summary>
/// One wire format's streaming events. The control that is the same for every format (which pieces
/// are sent, <c>chunk-delay-ms</c> between them, how the stream ends) lives in <see cref="RunAsync"/>;
/// a format only says how each event looks on its wire.
/// </summary>
internal abstract class StreamEvents
{
    /// <summary>Everything before the first piece (message start, content block start, role delta ...).</summary>
    protected abstract ValueTask WriteStartAsync(CancellationToken ct);

    /// <summary>One content (or tool-argument) piece.</summary>
    protected abstract ValueTask WritePieceAsync(string piece, CancellationToken ct);

    /// <summary>Everything after the last piece of a stream that ends normally.</summary>
    protected abstract ValueTask WriteFinishAsync(CancellationToken ct);

    /// <summary>The provider's own mid-stream error (<c>error-after</c>); nothing follows it.</summary>
    protected abstract ValueTask WriteErrorAsync(CancellationToken ct);

    /// <summary>Streams <paramref name="pieces"/> as <paramref name="d"/> directs; true when the connection was dropped on purpose.</summary>
    public async Task<bool> RunAsync(HttpContext ctx, IReadOnlyList<string> pieces, Directive d, CancellationToken ct)
    {
        var plan = StreamPlan.For(d, pieces.Count);
        await WriteStartAsync(ct);
        for (var i = 0; i < plan.Pieces; i++)
        {
            if (d.ChunkDelayMs > 0 && i > 0)
            {
                await Task.Delay(d.ChunkDelayMs, ct);
            }
            await WritePieceAsync(pieces[i], ct);
        }
        switch (plan.End)
        {
            case StreamEnd.Drop:
                await WireFormat.DropAsync(ctx);
                return true;
            case StreamEnd.Error:
                await WriteErrorAsync(ct);
                return false;
            default:
                await WriteFinishAsync(ct);
                return false;
        }
    }
}
