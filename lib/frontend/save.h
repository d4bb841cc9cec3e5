/*
 * save — docker's `save -o FILE IMAGE`: a loaded image back into an archive
 * in Docker >= 25's form, which `load -i`, `docker load` and `podman load`
 * all read:
 *
 *     oci-layout                 {"imageLayoutVersion": "1.0.0"}
 *     index.json                 the OCI index: one manifest, named by annotations
 *     blobs/sha256/<digest>      the manifest, the config, each layer as it was loaded
 *     manifest.json              docker's list: Config, RepoTags, Layers (paths)
 *
 * The config and the layers' blobs are the store's copies of what was
 * loaded (lib/frontend/store), byte for byte: the image id and the diff
 * ids stay what they were. Only the manifest is written anew (its digest
 * may differ from the registry's one: docker's too).
 * Errors are values: -1 and one line in err.
 */
#ifndef STEPBOX_SAVE_H
#define STEPBOX_SAVE_H

#include "base/error.h"
#include "frontend/image.h"

/* Write `image` to `output` ("-": stdout), whole or not at all (a file: tmp + rename). */
int save_image(const struct image *image, const char *output, struct error *err);

#endif
