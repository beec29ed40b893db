using OpenTracy.Routing.Npz;

namespace OpenTracy.Routing.Clustering;

/// <summary>
/// Builds a <see cref="ClusterAssigner"/> from the arrays of a clusters .npz (§8.2): <c>type</c> (scalar string,
/// default <c>kmeans</c>), <c>centroids</c> (K×d, required), <c>theta</c> (K×d, learned_map) and
/// <c>temperature</c> (scalar, default 1.0).
/// </summary>
public static class ClusterFile
{
    public const string TypeArray = "type";
    public const string CentroidsArray = "centroids";
    public const string ThetaArray = "theta";
    public const string TemperatureArray = "temperature";

    public static ClusterAssigner Load(string path)
    {
        var arrays = NpzReader.Read(path);
        try
        {
            return FromArrays(arrays);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NpyFormatException)
        {
            throw new NpyFormatException($"{path}: {ex.Message}");
        }
    }

    public static ClusterAssigner FromArrays(IReadOnlyDictionary<string, NpyArray> arrays)
    {
        var type = arrays.TryGetValue(TypeArray, out var t) ? t.AsScalarString() : ClusterAssigner.KMeansType;
        if (!arrays.TryGetValue(CentroidsArray, out var centroids))
            throw new NpyFormatException($"required array '{CentroidsArray}' is missing");
        var centroidRows = centroids.ToMatrix64();
        switch (type)
        {
            case ClusterAssigner.KMeansType:
                return new KMeansAssigner(centroidRows);
            case ClusterAssigner.LearnedMapType:
                if (!arrays.TryGetValue(ThetaArray, out var theta))
                    throw new NpyFormatException($"type '{type}' needs the array '{ThetaArray}'");
                var temperature = arrays.TryGetValue(TemperatureArray, out var temp)
                    ? temp.AsScalarDouble()
                    : LearnedMapAssigner.DefaultTemperature;
                var assigner = new LearnedMapAssigner(theta.ToMatrix64(), temperature);
                if (assigner.NumClusters != centroidRows.Length)
                    throw new NpyFormatException($"'{ThetaArray}' has {assigner.NumClusters} rows but '{CentroidsArray}' has {centroidRows.Length}");
                return assigner;
            default:
                throw new NpyFormatException($"unknown assigner type '{type}'");
        }
    }
}
