using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Npz;

namespace OpenTracy.Routing.Tests;

public sealed class ClusterAssignerTests
{
    [Fact]
    public void Kmeans_picks_the_nearest_centroid_one_hot()
    {
        var assigner = new KMeansAssigner([[0, 0], [10, 0], [0, 10]]);

        var result = assigner.Assign([9f, 1f]);

        Assert.Equal(1, result.ClusterId);
        Assert.Equal([0.0, 1.0, 0.0], result.Probabilities);
        Assert.Equal(1.0, result.Confidence);
    }

    [Fact]
    public void Kmeans_ties_go_to_the_lowest_index()
    {
        var assigner = new KMeansAssigner([[5, 5], [1, 0], [-1, 0]]);
        Assert.Equal(1, assigner.Assign([0f, 0f]).ClusterId); // equidistant from clusters 1 and 2
    }

    [Fact]
    public void Learned_map_is_a_softmax_of_theta_x_over_temperature()
    {
        var assigner = new LearnedMapAssigner([[1, 0], [0, 1], [0, 0]], temperature: 0.5);

        var result = assigner.Assign([1f, 2f]);

        double[] logits = [2, 4, 0];
        var sum = logits.Sum(Math.Exp);
        Assert.Equal(1, result.ClusterId);
        for (var k = 0; k < 3; k++) Assert.Equal(Math.Exp(logits[k]) / sum, result.Probabilities[k], 12);
        Assert.Equal(1.0, result.Probabilities.Sum(), 12);
    }

    [Fact]
    public void Wrong_embedding_length_is_an_invalid_request()
    {
        var assigner = new KMeansAssigner([[0, 0, 0]]);
        var ex = Assert.Throws<RoutingException>(() => assigner.Assign([1f, 2f]));
        Assert.Equal(RoutingErrorKind.InvalidRequest, ex.Kind);
        Assert.Equal("embedding has 2 dimensions, the routing weights expect 3", ex.Message);
    }

    [Fact]
    public void Cluster_file_builds_a_learned_map_with_its_temperature()
    {
        var arrays = new Dictionary<string, NpyArray>
        {
            ["type"] = NpyArray.ScalarString("type", "learned_map"),
            ["centroids"] = NpyArray.FromFloat32("centroids", [0, 0, 1, 1], 2, 2),
            ["theta"] = NpyArray.FromFloat32("theta", [1, 0, 0, 1], 2, 2),
            ["temperature"] = NpyArray.ScalarFloat64("temperature", 2.0),
        };

        var assigner = Assert.IsType<LearnedMapAssigner>(ClusterFile.FromArrays(arrays));

        Assert.Equal(2.0, assigner.Temperature);
        Assert.Equal(2, assigner.NumClusters);
    }

    [Fact]
    public void Cluster_file_without_type_is_kmeans_and_unknown_type_fails()
    {
        var centroids = NpyArray.FromFloat32("centroids", [0, 0, 1, 1], 2, 2);
        Assert.IsType<KMeansAssigner>(ClusterFile.FromArrays(new Dictionary<string, NpyArray> { ["centroids"] = centroids }));

        var ex = Assert.Throws<NpyFormatException>(() => ClusterFile.FromArrays(new Dictionary<string, NpyArray>
        {
            ["centroids"] = centroids,
            ["type"] = NpyArray.ScalarString("type", "gmm"),
        }));
        Assert.Contains("unknown assigner type 'gmm'", ex.Message);
    }
}
