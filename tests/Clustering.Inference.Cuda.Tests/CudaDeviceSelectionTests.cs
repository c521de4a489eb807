namespace Clustering.Inference.Cuda.Tests;

public class CudaDeviceSelectionTests
{
    [Fact]
    public void Cuda_alone_means_every_visible_device()
    {
        Assert.Equal([0, 1, 2], CudaDeviceSelection.Parse("cuda", 3));
    }

    [Fact]
    public void A_list_names_devices_in_order()
    {
        Assert.Equal([2, 0], CudaDeviceSelection.Parse("cuda:2,0", 4));
        Assert.Equal([1], CudaDeviceSelection.Parse("CUDA:1", 2));
    }

    [Theory]
    [InlineData("cuda:x", 2, "'x' at position 5 is not a device number")]
    [InlineData("cuda:0,", 2, "'' at position 7 is not a device number")]
    [InlineData("cuda:0,3", 2, "cuda:3 at position 7 does not exist (2 device(s): 0..1)")]
    [InlineData("cuda:1,1", 2, "cuda:1 at position 7 is named twice")]
    [InlineData("cuda:-1", 2, "'-1' at position 5 is not a device number")]
    [InlineData("gpu", 2, "expected 'cuda' or 'cuda:N[,N...]'")]
    [InlineData("cuda", 0, "no CUDA device is visible")]
    public void Bad_values_are_refused_with_the_value_and_position(string value, int count, string message)
    {
        var error = Assert.Throws<ClusteringException>(() => CudaDeviceSelection.Parse(value, count));
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains(message, error.Message);
    }
}
