namespace OpenTracy.Routing.Npz;

/// <summary>
/// One array of an .npy/.npz file in C order: float32, float64 or fixed-width strings. Immutable once built.
/// </summary>
public sealed class NpyArray
{
    private readonly float[]? _float32;
    private readonly double[]? _float64;
    private readonly string[]? _strings;

    private NpyArray(string name, int[] shape, float[]? f32, double[]? f64, string[]? strings)
    {
        Name = name;
        Shape = shape;
        _float32 = f32;
        _float64 = f64;
        _strings = strings;
        var expected = ElementCount(shape);
        var actual = f32?.Length ?? f64?.Length ?? strings!.Length;
        if (expected != actual)
            throw new ArgumentException($"array '{name}' has {actual} elements but shape ({string.Join(", ", shape)}) needs {expected}");
    }

    public string Name { get; }

    /// <summary>Dimensions; empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }

    public NpyElementType ElementType =>
        _float32 is not null ? NpyElementType.Float32 : _float64 is not null ? NpyElementType.Float64 : NpyElementType.String;

    public bool IsNumeric => _strings is null;

    public int Length => _float32?.Length ?? _float64?.Length ?? _strings!.Length;

    public static NpyArray FromFloat32(string name, float[] data, params int[] shape) => new(name, shape, data, null, null);

    public static NpyArray FromFloat64(string name, double[] data, params int[] shape) => new(name, shape, null, data, null);

    public static NpyArray FromStrings(string name, string[] data, params int[] shape) => new(name, shape, null, null, data);

    public static NpyArray ScalarString(string name, string value) => new(name, [], null, null, [value]);

    public static NpyArray ScalarFloat64(string name, double value) => new(name, [], null, [value], null);

    /// <summary>The elements as float32 (a copy; float64 values are narrowed).</summary>
    public float[] ToFloat32()
    {
        if (_float32 is not null) return (float[])_float32.Clone();
        if (_float64 is not null) return Array.ConvertAll(_float64, v => (float)v);
        throw NotNumeric();
    }

    /// <summary>The elements as float64 (a copy).</summary>
    public double[] ToFloat64()
    {
        if (_float64 is not null) return (double[])_float64.Clone();
        if (_float32 is not null) return Array.ConvertAll(_float32, v => (double)v);
        throw NotNumeric();
    }

    /// <summary>The elements as strings (a copy).</summary>
    public string[] ToStrings()
        => _strings is not null ? (string[])_strings.Clone() : throw new InvalidOperationException($"array '{Name}' holds numbers, not strings");

    /// <summary>The single string of a scalar (or one-element) string array.</summary>
    public string AsScalarString()
    {
        var strings = ToStrings();
        return strings.Length == 1 ? strings[0] : throw new InvalidOperationException($"array '{Name}' is not a scalar");
    }

    /// <summary>The single number of a scalar (or one-element) numeric array.</summary>
    public double AsScalarDouble()
    {
        var values = ToFloat64();
        return values.Length == 1 ? values[0] : throw new InvalidOperationException($"array '{Name}' is not a scalar");
    }

    /// <summary>A 2-D numeric array as rows of float64 (K×d centroids).</summary>
    public double[][] ToMatrix64()
    {
        if (Shape.Count != 2) throw new InvalidOperationException($"array '{Name}' has {Shape.Count} dimensions, expected 2");
        var flat = ToFloat64();
        var rows = new double[Shape[0]][];
        for (var r = 0; r < rows.Length; r++) rows[r] = flat.AsSpan(r * Shape[1], Shape[1]).ToArray();
        return rows;
    }

    internal ReadOnlySpan<float> Float32Span => _float32;
    internal ReadOnlySpan<double> Float64Span => _float64;
    internal IReadOnlyList<string> StringList => _strings ?? [];

    internal static int ElementCount(IReadOnlyList<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException("negative dimension");
            count *= d;
            if (count > Array.MaxLength) throw new ArgumentException("array too large");
        }
        return (int)count;
    }

    private InvalidOperationException NotNumeric() => new($"array '{Name}' holds strings, not numbers");
}

public enum NpyElementType
{
    Float32,
    Float64,
    String,
}

/// <summary>A malformed or unsupported .npy/.npz file; the message names the file and the array.</summary>
public sealed class NpyFormatException(string message) : FormatException(message);
