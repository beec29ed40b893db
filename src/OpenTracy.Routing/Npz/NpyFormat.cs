using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenTracy.Routing.Npz;

/// <summary>
/// Reads and writes single .npy arrays: format versions 1 (2-byte header length), 2 and 3 (4-byte; v3 header
/// in UTF-8), C order, element types <c>&lt;f4</c>, <c>&lt;f8</c>, <c>|S&lt;n&gt;</c> (bytes) and
/// <c>&lt;U&lt;n&gt;</c> (UTF-32LE), all little-endian.
/// </summary>
public static class NpyFormat
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int PreambleV1 = 10; // magic(6) + version(2) + uint16 length
    private const int PreambleV2 = 12; // magic(6) + version(2) + uint32 length
    private const int VersionOffset = 6;      // major, minor
    private const int HeaderLengthOffset = 8;
    private const int HeaderAlignment = 64;
    private const int Utf32CharSize = 4;

    public static NpyArray Read(string name, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < PreambleV1 || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new NpyFormatException($"array '{name}': not an .npy file (bad magic)");
        var major = bytes[VersionOffset];
        int headerLength, dataStart;
        Encoding headerEncoding;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[HeaderLengthOffset..]);
                dataStart = PreambleV1 + headerLength;
                headerEncoding = Encoding.Latin1;
                break;
            case 2 or 3:
                if (bytes.Length < PreambleV2) throw new NpyFormatException($"array '{name}': truncated header");
                var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[HeaderLengthOffset..]);
                if (length > int.MaxValue - PreambleV2) throw new NpyFormatException($"array '{name}': header too large");
                headerLength = (int)length;
                dataStart = PreambleV2 + headerLength;
                headerEncoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
                break;
            default:
                throw new NpyFormatException($"array '{name}': unsupported .npy format version {major}");
        }
        if (dataStart > bytes.Length) throw new NpyFormatException($"array '{name}': truncated header");

        NpyHeader header;
        try
        {
            header = NpyHeader.Parse(headerEncoding.GetString(bytes[(dataStart - headerLength)..dataStart]));
        }
        catch (NpyFormatException ex)
        {
            throw new NpyFormatException($"array '{name}': {ex.Message}");
        }
        if (header.FortranOrder && header.Shape.Length > 1)
            throw new NpyFormatException($"array '{name}': Fortran-ordered arrays are not supported (save in C order)");
        return ReadData(name, header, bytes[dataStart..]);
    }

    private static NpyArray ReadData(string name, NpyHeader header, ReadOnlySpan<byte> data)
    {
        int count;
        try
        {
            count = NpyArray.ElementCount(header.Shape);
        }
        catch (ArgumentException ex)
        {
            throw new NpyFormatException($"array '{name}': bad shape: {ex.Message}");
        }
        var descr = header.Descr;
        if (descr.Length < 2) throw Unsupported(name, descr);
        var order = descr[0];
        var kind = descr[1];
        if (!int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            throw Unsupported(name, descr);
        if (order == '>' && size > 1 && kind != 'S')
            throw new NpyFormatException($"array '{name}': big-endian dtype '{descr}' is not supported");
        if (order is not ('<' or '|' or '=' or '>')) throw Unsupported(name, descr);

        var itemSize = kind == 'U' ? size * Utf32CharSize : size;
        var needed = (long)count * itemSize;
        if (data.Length < needed)
            throw new NpyFormatException($"array '{name}': truncated data ({data.Length} bytes, shape needs {needed})");
        var payload = data[..(int)needed];

        return (kind, size) switch
        {
            ('f', 4) => NpyArray.FromFloat32(name, MemoryMarshal.Cast<byte, float>(payload).ToArray(), header.Shape),
            ('f', 8) => NpyArray.FromFloat64(name, MemoryMarshal.Cast<byte, double>(payload).ToArray(), header.Shape),
            ('S', _) => NpyArray.FromStrings(name, ReadStrings(payload, count, itemSize, Encoding.Latin1), header.Shape),
            ('U', _) => NpyArray.FromStrings(name, ReadStrings(payload, count, itemSize, Encoding.UTF32), header.Shape),
            _ => throw Unsupported(name, descr),
        };
    }

    private static string[] ReadStrings(ReadOnlySpan<byte> payload, int count, int itemSize, Encoding encoding)
    {
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            var s = encoding.GetString(payload.Slice(i * itemSize, itemSize));
            result[i] = s.TrimEnd('\0'); // numpy pads fixed-width strings with NULs
        }
        return result;
    }

    private static NpyFormatException Unsupported(string name, string descr)
        => new($"array '{name}': unsupported dtype '{descr}' (supported: <f4, <f8, |S<n>, <U<n>)");

    /// <summary>Writes a version-1 .npy (float32 as <c>&lt;f4</c>, float64 as <c>&lt;f8</c>, strings as <c>&lt;U&lt;n&gt;</c>).</summary>
    public static void Write(NpyArray array, Stream output)
    {
        ArgumentNullException.ThrowIfNull(array);
        var shape = array.Shape.ToArray();
        var (descr, payload) = array.ElementType switch
        {
            NpyElementType.Float32 => ("<f4", MemoryMarshal.AsBytes(array.Float32Span).ToArray()),
            NpyElementType.Float64 => ("<f8", MemoryMarshal.AsBytes(array.Float64Span).ToArray()),
            _ => EncodeStrings(array.StringList),
        };
        var header = new NpyHeader(descr, false, shape).Format();
        var unpadded = PreambleV1 + header.Length + 1; // + '\n'
        var padding = (HeaderAlignment - unpadded % HeaderAlignment) % HeaderAlignment;
        var headerText = header + new string(' ', padding) + "\n";

        Span<byte> preamble = stackalloc byte[PreambleV1];
        Magic.CopyTo(preamble);
        preamble[VersionOffset] = 1;
        preamble[VersionOffset + 1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(preamble[HeaderLengthOffset..], checked((ushort)headerText.Length));
        output.Write(preamble);
        output.Write(Encoding.Latin1.GetBytes(headerText));
        output.Write(payload);
    }

    private static (string Descr, byte[] Payload) EncodeStrings(IReadOnlyList<string> strings)
    {
        var width = Math.Max(1, strings.Count == 0 ? 1 : strings.Max(s => s.EnumerateRunes().Count()));
        var itemSize = width * Utf32CharSize;
        var payload = new byte[strings.Count * itemSize];
        for (var i = 0; i < strings.Count; i++)
            Encoding.UTF32.GetBytes(strings[i], payload.AsSpan(i * itemSize, itemSize));
        return ($"<U{width}", payload);
    }
}
