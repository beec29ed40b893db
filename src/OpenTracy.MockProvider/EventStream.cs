using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OpenTracy.MockProvider;

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib and AWS event streams.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }
}

/// <summary>Writes AWS event-stream frames (application/vnd.amazon.eventstream).</summary>
internal static class EventStreamFrame
{
    private const byte StringType = 7;

    private static readonly byte[] EventTypeName = Encoding.UTF8.GetBytes(":event-type");
    private static readonly byte[] ExceptionTypeName = Encoding.UTF8.GetBytes(":exception-type");
    private static readonly byte[] ContentTypeName = Encoding.UTF8.GetBytes(":content-type");
    private static readonly byte[] MessageTypeName = Encoding.UTF8.GetBytes(":message-type");
    private static readonly byte[] JsonValue = Encoding.UTF8.GetBytes("application/json");
    private static readonly byte[] EventValue = Encoding.UTF8.GetBytes("event");
    private static readonly byte[] ExceptionValue = Encoding.UTF8.GetBytes("exception");

    /// <summary>Writes one event frame (<c>:message-type</c> event) into <paramref name="output"/>.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, string eventType, ReadOnlySpan<byte> payload, bool corruptCrc = false) =>
        Write(output, EventTypeName, eventType, EventValue, payload, corruptCrc);

    /// <summary>Writes one exception frame (<c>:message-type</c> exception).</summary>
    public static void WriteException(IBufferWriter<byte> output, string exceptionType, ReadOnlySpan<byte> payload) =>
        Write(output, ExceptionTypeName, exceptionType, ExceptionValue, payload, corruptCrc: false);

    private static void Write(IBufferWriter<byte> output, byte[] typeHeaderName, string typeValue, byte[] messageType, ReadOnlySpan<byte> payload, bool corruptCrc)
    {
        var typeValueLength = Encoding.UTF8.GetByteCount(typeValue);
        var headersLength =
            HeaderSize(typeHeaderName.Length, typeValueLength) +
            HeaderSize(ContentTypeName.Length, JsonValue.Length) +
            HeaderSize(MessageTypeName.Length, messageType.Length);
        var total = 12 + headersLength + payload.Length + 4;

        var span = output.GetSpan(total)[..total];
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)headersLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], Crc32.Compute(span[..8]));
        var pos = 12;
        pos += WriteHeader(span[pos..], typeHeaderName, typeValue, typeValueLength);
        pos += WriteHeader(span[pos..], ContentTypeName, JsonValue);
        pos += WriteHeader(span[pos..], MessageTypeName, messageType);
        payload.CopyTo(span[pos..]);
        pos += payload.Length;
        var crc = Crc32.Compute(span[..pos]);
        if (corruptCrc)
        {
            crc ^= 0xDEADBEEF;
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[pos..], crc);
        output.Advance(total);
    }

    private static int HeaderSize(int nameLength, int valueLength) => 1 + nameLength + 1 + 2 + valueLength;

    private static int WriteHeader(Span<byte> span, byte[] name, string value, int valueLength)
    {
        span[0] = (byte)name.Length;
        name.CopyTo(span[1..]);
        var pos = 1 + name.Length;
        span[pos++] = StringType;
        BinaryPrimitives.WriteUInt16BigEndian(span[pos..], (ushort)valueLength);
        pos += 2;
        Encoding.UTF8.GetBytes(value, span[pos..]);
        return pos + valueLength;
    }

    private static int WriteHeader(Span<byte> span, byte[] name, byte[] value)
    {
        span[0] = (byte)name.Length;
        name.CopyTo(span[1..]);
        var pos = 1 + name.Length;
        span[pos++] = StringType;
        BinaryPrimitives.WriteUInt16BigEndian(span[pos..], (ushort)value.Length);
        pos += 2;
        value.CopyTo(span[pos..]);
        return pos + value.Length;
    }
}
