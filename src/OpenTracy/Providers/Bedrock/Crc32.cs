namespace OpenTracy.Providers.Bedrock;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven. The AWS event-stream format
/// protects each frame's prelude and whole message with it.
/// </summary>
public static class Crc32
{
    private const uint ReflectedPolynomial = 0xEDB88320u;
    private const uint AllOnes = 0xFFFFFFFFu;
    private const int TableSize = 256;
    private const int BitsPerByte = 8;

    private static readonly uint[] Table = BuildTable();

    /// <summary>CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC: <c>Append(Compute(a), b) == Compute(a ++ b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = crc ^ AllOnes;
        foreach (var b in data)
            state = Table[(state ^ b) & 0xFF] ^ (state >> BitsPerByte);
        return state ^ AllOnes;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[TableSize];
        for (uint n = 0; n < TableSize; n++)
        {
            var c = n;
            for (var k = 0; k < BitsPerByte; k++)
                c = (c & 1) != 0 ? ReflectedPolynomial ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
