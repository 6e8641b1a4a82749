using Scan.Core.Models;
using Scan.Core.Training;

namespace Scan.Core.Pipeline;

/// <summary>
/// Reads what a pipeline run left in its run directory (<see cref="ScanOptions.RunDirectory"/>) beyond the final
/// model: for tools that show or export the pretext features after a run, e.g. the <c>scan</c> command-line tool's
/// embeddings.npy and its map of the images.
/// </summary>
public static class ScanRunDirectory
{
    /// <summary>
    /// The SimCLR model (backbone and projection head) the run's finished pretext stage saved, rebuilt with the
    /// options the run was started with: the model whose L2-normalised projections the neighbours were mined from.
    /// Embed a dataset with it through <see cref="Mining.FeatureExtractor.Embed"/> (in evaluation mode, with the
    /// model's normalisation as preprocessing) to get the pretext features.
    /// </summary>
    /// <param name="runDirectory">The run directory.</param>
    /// <param name="channels">Input channels of the run's images.</param>
    /// <param name="height">Input height of the run's images.</param>
    /// <param name="width">Input width of the run's images.</param>
    /// <returns>The model on the CPU, in evaluation mode (the caller disposes it); null when the folder holds no run,
    /// the pretext stage has not finished, or the run was given a pretrained backbone and trained no SimCLR model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    /// <exception cref="InvalidDataException">The run's options.json or the saved model is damaged or does not fit
    /// the run's options; the message names the file.</exception>
    public static ContrastiveModel? LoadPretextModel(string runDirectory, int channels, int height, int width)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!Directory.Exists(runDirectory) || ScanOptions.FromRunDirectory(runDirectory) is not { } options)
            return null;
        var runs = new RunDirectory(runDirectory);
        if (runs.ReadReport(ScanStage.Pretext) is null || !File.Exists(runs.ContrastiveModelPath))
            return null;
        // The initial weights drawn here are all replaced by the file's, so the global generator's state does not matter.
        var model = new ContrastiveModel(options.Backbone.Build(channels, height, width), options.Pretext.ProjectionDim);
        try
        {
            runs.LoadModule(runs.ContrastiveModelPath, "contrastive-model", model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }
}
