using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Serialization;

/// <summary>One entry of a tf.keras <c>layer_names</c> attribute: the layer group and its <c>weight_names</c>, in stored order.</summary>
internal sealed record LegacyEntry(string Name, string GroupPath, IReadOnlyList<string> WeightNames);

/// <summary>
/// The tf.keras HDF5 layout (<c>legacy_h5_format</c>): a group with a <c>layer_names</c> attribute (split into
/// <c>layer_names0</c>, <c>layer_names1</c>, ... when long), one group per layer with a <c>weight_names</c> attribute, and the
/// weights at <c>&lt;layer&gt;/&lt;weight name&gt;</c>. Layers and weights are matched by their position in those attributes,
/// as tf.keras matches them; the groups' own order in the file means nothing.
/// </summary>
internal static class LegacyH5
{
    public static List<LegacyEntry> ReadEntries(Hdf5Reader r, string root)
    {
        var names = r.ReadSplitStrings(root, "layer_names")
            ?? throw new InvalidDataException($"{r.File}: the group '{(root.Length == 0 ? "/" : root)}' has no layer_names attribute.");
        var entries = new List<LegacyEntry>(names.Length);
        foreach (string name in names)
        {
            string group = KerasWeightsH5.Join(root, name);
            if (name.Length == 0 || !r.GroupExists(group))
            {
                throw new InvalidDataException($"{r.File}: layer_names lists '{name}', but the file has no group '{group}'.");
            }

            entries.Add(new LegacyEntry(name, group, r.ReadSplitStrings(group, "weight_names") ?? []));
        }

        return entries;
    }

    /// <summary>Whether an entry looks like a tf.keras DepthwiseConv1D when the file has no config: its first weight is a depthwise kernel.</summary>
    public static bool LooksLikeDepthwise(LegacyEntry entry, IReadOnlyList<KerasVariableInfo> variables)
    {
        if (variables.Count is not (1 or 2) || variables[0].Shape.Count != 3)
        {
            return false;
        }

        string last = entry.WeightNames[0][(entry.WeightNames[0].LastIndexOf('/') + 1)..];
        return last.StartsWith("depthwise_kernel", StringComparison.Ordinal)
            || (last.StartsWith("kernel", StringComparison.Ordinal) && KerasWeightsH5.SnakeCase(entry.Name).StartsWith("depthwise_conv1d", StringComparison.Ordinal));
    }

    /// <summary>Loads a layer's weights by position in <paramref name="weightNames"/> (kernel first, whatever it is called).</summary>
    public static void Load(Hdf5Reader r, string? group, IReadOnlyList<string>? weightNames, DepthwiseConv1D layer, int? buildChannels)
    {
        var names = weightNames ?? [];
        KerasWeightLoader.CheckCount(r.File, layer, names.Count, group is null ? "no weights stored for it" : $"weight_names of '{group}'");
        var paths = names.Select(n => KerasWeightsH5.Join(group!, n)).ToList();
        foreach (string p in paths)
        {
            if (!r.DatasetExists(p))
            {
                throw new InvalidDataException($"{r.File}: weight_names lists '{p}', but the file has no such dataset.");
            }
        }

        KerasWeightLoader.Assign(r, layer, paths, buildChannels);
    }
}
