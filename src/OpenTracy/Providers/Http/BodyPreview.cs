using System.Text;

namespace OpenTracy.Providers.Http;

/// <summary>
/// Shows a short, printable piece of an upstream body in error messages ("what came instead"),
/// without buffering the body on the success path.
/// </summary>
public static class BodyPreview
{
    /// <summary>How much of an unexpected body an error message quotes.</summary>
    public const int MaxChars = 200;

    /// <summary>Reads at most <see cref="MaxChars"/> bytes of <paramref name="body"/> as text (best effort: a failing read gives what was read so far).</summary>
    public static async Task<string> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxChars];
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var n = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The preview is only decoration for an error that is already being reported.
        }
        return Format(buffer.AsSpan(0, filled));
    }

    /// <summary>UTF-8 text of <paramref name="bytes"/>, cut to <see cref="MaxChars"/>, control characters shown as spaces, "(empty)" when there is nothing.</summary>
    public static string Format(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "(empty)";
        var text = Encoding.UTF8.GetString(bytes.Length > MaxChars ? bytes[..MaxChars] : bytes);
        return Format(text);
    }

    public static string Format(string text)
    {
        if (text.Length == 0) return "(empty)";
        var cut = text.Length > MaxChars ? text[..MaxChars] : text;
        var sb = new StringBuilder(cut.Length);
        foreach (var c in cut) sb.Append(char.IsControl(c) ? ' ' : c);
        if (text.Length > MaxChars) sb.Append('…');
        return sb.ToString().Trim();
    }
}

/// <summary>
/// A read-only pass-through stream that keeps a copy of the first bytes read, so a parser that
/// fails can still quote what the body started with. Costs one small buffer per response.
/// </summary>
public sealed class PreviewCaptureStream(Stream inner) : Stream
{
    private readonly byte[] _head = new byte[BodyPreview.MaxChars];
    private int _captured;

    /// <summary>The first bytes seen so far, formatted with <see cref="BodyPreview.Format(ReadOnlySpan{byte})"/>.</summary>
    public string Preview => BodyPreview.Format(_head.AsSpan(0, _captured));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Capture(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Capture(buffer.Span[..n]);
        return n;
    }

    private void Capture(ReadOnlySpan<byte> read)
    {
        if (_captured >= _head.Length || read.IsEmpty) return;
        var take = Math.Min(read.Length, _head.Length - _captured);
        read[..take].CopyTo(_head.AsSpan(_captured));
        _captured += take;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
