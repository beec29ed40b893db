using System.Buffers.Binary;
using System.Text;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;

namespace OpenTracy.Tests.Providers.Bedrock;

public class EventStreamDecoderTests
{
    private static async Task<List<EventStreamMessage>> ReadAll(Stream stream)
    {
        var list = new List<EventStreamMessage>();
        await foreach (var m in EventStreamDecoder.ReadAsync(stream, "bedrock", CancellationToken.None)) list.Add(m);
        return list;
    }

    [Fact]
    public void Decodes_a_valid_frame_with_every_header_type()
    {
        var uuid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        byte[] i16 = [0xFF, 0xFE], i32 = [0x00, 0x01, 0x00, 0x00], i64 = [0, 0, 0, 0, 0, 0, 0x01, 0x00];
        byte[] ts = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(ts, 1_440_938_160_000); // 2015-08-30T12:36:00Z in ms
        byte[] headers =
        [
            .. Frames.Header("t", EventStreamHeaderType.BoolTrue, []),
            .. Frames.Header("f", EventStreamHeaderType.BoolFalse, []),
            .. Frames.Header("b", EventStreamHeaderType.Byte, [0xFE]),
            .. Frames.Header("s", EventStreamHeaderType.Int16, i16),
            .. Frames.Header("i", EventStreamHeaderType.Int32, i32),
            .. Frames.Header("l", EventStreamHeaderType.Int64, i64),
            .. Frames.Header("bytes", EventStreamHeaderType.ByteArray, Frames.U16Prefixed([1, 2, 3])),
            .. Frames.Header("ts", EventStreamHeaderType.Timestamp, ts),
            .. Frames.Header("id", EventStreamHeaderType.Uuid, [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]),
            .. Frames.StringHeader(":event-type", "messageStart"),
            .. Frames.StringHeader(":message-type", "event"),
        ];
        var frame = Frames.Frame(headers, Encoding.UTF8.GetBytes("{\"role\":\"assistant\"}"));

        var m = EventStreamDecoder.Decode(frame, "bedrock");

        object Value(string name) => m.Headers.Single(h => h.Name == name).Value;
        Assert.Equal(true, Value("t"));
        Assert.Equal(false, Value("f"));
        Assert.Equal((sbyte)-2, Value("b"));
        Assert.Equal((short)-2, Value("s"));
        Assert.Equal(65536, Value("i"));
        Assert.Equal(256L, Value("l"));
        Assert.Equal(new byte[] { 1, 2, 3 }, Value("bytes"));
        Assert.Equal(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero), Value("ts"));
        Assert.Equal(uuid, Value("id"));
        Assert.Equal("messageStart", m.EventType);
        Assert.Equal("event", m.MessageType);
        Assert.Equal("{\"role\":\"assistant\"}", Encoding.UTF8.GetString(m.Payload.Span));
    }

    [Fact]
    public async Task Reads_consecutive_frames_across_partial_reads()
    {
        var data = Frames.Concat(Frames.Event("messageStart", "{\"role\":\"assistant\"}"), Frames.Event("contentBlockDelta", "{\"delta\":{\"text\":\"hi\"}}"), Frames.Frame([], []));
        var messages = await ReadAll(new TrickleStream(data, 3));
        Assert.Equal(3, messages.Count);
        Assert.Equal("contentBlockDelta", messages[1].EventType);
        Assert.Empty(messages[2].Headers);
        Assert.True(messages[2].Payload.IsEmpty);
    }

    [Fact]
    public async Task Empty_body_yields_no_messages()
        => Assert.Empty(await ReadAll(new MemoryStream()));

    [Fact]
    public async Task Bad_prelude_crc_is_an_invalid_response()
    {
        var frame = Frames.Event("messageStart", "{}");
        frame[8] ^= 0x01;
        var ex = await Assert.ThrowsAsync<ProviderException>(() => ReadAll(new MemoryStream(frame)));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("prelude CRC", ex.Message);
    }

    [Fact]
    public async Task Bad_message_crc_is_an_invalid_response()
    {
        var frame = Frames.Event("contentBlockDelta", "{\"delta\":{\"text\":\"hello\"}}");
        frame[^8] ^= 0x20; // flip a payload bit: the prelude stays valid, the message CRC does not
        var ex = await Assert.ThrowsAsync<ProviderException>(() => ReadAll(new MemoryStream(frame)));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("message CRC", ex.Message);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task Truncated_frame_is_a_transport_failure()
    {
        var data = Frames.Concat(Frames.Event("messageStart", "{}"), Frames.Event("contentBlockDelta", "{\"delta\":{\"text\":\"x\"}}"));
        var cut = data[..(data.Length - 5)];
        var ex = await Assert.ThrowsAsync<ProviderException>(() => ReadAll(new MemoryStream(cut)));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);

        var inPrelude = await Assert.ThrowsAsync<ProviderException>(() => ReadAll(new MemoryStream(data[..5])));
        Assert.Equal(ProviderFailureKind.Transport, inPrelude.Kind);
    }

    [Theory]
    [InlineData(10u)]
    [InlineData(16u * 1024 * 1024 + 1)]
    public async Task Declared_lengths_outside_the_limits_are_invalid(uint declared)
    {
        var prelude = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(prelude, declared);
        BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(8), Crc32.Compute(prelude.AsSpan(0, 8)));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => ReadAll(new MemoryStream([.. prelude, .. new byte[32]])));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("outside", ex.Message);
    }

    [Fact]
    public void Frame_shorter_than_the_minimum_is_invalid()
    {
        var ex = Assert.Throws<ProviderException>(() => EventStreamDecoder.Decode(new byte[15], "bedrock"));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
    }

    [Fact]
    public void Header_running_past_its_block_is_invalid()
    {
        // A string header claiming 200 bytes of value inside a 10-byte header block (CRCs are valid).
        byte[] header = [1, (byte)'x', (byte)EventStreamHeaderType.String, 0, 200, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e'];
        var ex = Assert.Throws<ProviderException>(() => EventStreamDecoder.Decode(Frames.Frame(header, []), "bedrock"));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
    }
}
