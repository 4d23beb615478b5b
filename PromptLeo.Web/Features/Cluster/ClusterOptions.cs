namespace PromptLeo.Web.Features.Cluster;

public sealed class ClusterOptions { public const string SectionName = "Cluster"; public string NodeName { get; set; } = Environment.MachineName; public int ExpectedNodes { get; set; } = 1; }
