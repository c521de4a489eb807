using System.Text.Json.Serialization;

namespace Clustering.Coordination;

/// <summary>Source-generated JSON for the few values the stores keep as JSON text (models loaded).</summary>
[JsonSerializable(typeof(string[]))]
public sealed partial class CoordinationJson : JsonSerializerContext;
