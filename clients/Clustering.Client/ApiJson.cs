using System.Text.Json.Serialization;

namespace Clustering.Client;

/// <summary>Source-generated JSON for the API types: snake_case names, nulls omitted. Server and client both use it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmittedJob))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(IReadOnlyList<JobView>))]
[JsonSerializable(typeof(IReadOnlyList<ShardView>))]
[JsonSerializable(typeof(IReadOnlyList<WorkerView>))]
[JsonSerializable(typeof(JobEventView))]
[JsonSerializable(typeof(NewSchedule))]
[JsonSerializable(typeof(ScheduleView))]
[JsonSerializable(typeof(IReadOnlyList<ScheduleView>))]
[JsonSerializable(typeof(NewStream))]
[JsonSerializable(typeof(StreamView))]
[JsonSerializable(typeof(IReadOnlyList<StreamView>))]
[JsonSerializable(typeof(DeletedStream))]
[JsonSerializable(typeof(ApiError))]
public sealed partial class ApiJson : JsonSerializerContext;
