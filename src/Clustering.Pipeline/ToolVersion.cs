using System.Reflection;

namespace Clustering.Pipeline;

/// <summary>The version written into Parquet metadata and manifests.</summary>
public static class ToolVersion
{
    public static readonly string Text = "clustering " +
        (typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
}
