#!/bin/sh
# Builds one workspace package and deploys it, with its production dependencies only, into a folder that
# starts with plain `node` and needs nothing else from the workspace.
#
# The Dockerfile runs this script in its build stages, and test/compose/build-service.test.ts runs the same
# script on a copy of the build context, so a broken build step fails the tests on machines without Docker.
#
# usage: deploy/compose/build-service.sh <package folder> <output folder>
#   package folder  the package to deploy, relative to the workspace root, for example services/auth
#   output folder   where the deployed package goes; it must not exist yet
# Run it from the workspace root.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: deploy/compose/build-service.sh <package folder> <output folder>" >&2
  exit 2
fi
package_dir=$1
output_dir=$2

if [ ! -f pnpm-workspace.yaml ]; then
  echo "build-service: run this script from the workspace root (pnpm-workspace.yaml not found in $(pwd))" >&2
  exit 2
fi
if [ ! -f "$package_dir/package.json" ]; then
  echo "build-service: $package_dir/package.json not found; pass a package folder such as services/auth" >&2
  exit 2
fi
# pnpm deploy refuses a folder that is not empty, and a failed deploy leaves files behind.
if [ -e "$output_dir" ]; then
  echo "build-service: $output_dir already exists; pass a folder that does not exist yet" >&2
  exit 2
fi

package_name=$(node -p "require('./$package_dir/package.json').name")
echo "build-service: building $package_name from $package_dir into $output_dir"

# 1. Install the whole workspace exactly as the lockfile pins it. In the image the Dockerfile has already run
#    `pnpm fetch`, so the packages come from the store; elsewhere pnpm downloads only what the store lacks.
pnpm install --frozen-lockfile --prefer-offline

# 2. Compile the package and the workspace packages it references (tsc project references).
pnpm exec tsc --build "$package_dir"

# 3. Copy the package's published files (its package.json `files`) and install its production dependencies
#    into the output folder. Workspace dependencies are copied in as packed packages, not linked, so the
#    folder runs on its own. pnpm 10 deploys a workspace without `inject-workspace-packages` only with
#    --legacy.
pnpm --filter "$package_name" deploy --prod --legacy "$output_dir"

# 4. pnpm 10.34 leaves one link behind, node_modules/.pnpm/node_modules/<package name>, that points back
#    at the package in the workspace. It dangles once the folder is copied out of the build stage, so every
#    link that leaves the output folder is removed.
output_path=$(cd "$output_dir" && pwd -P)
find "$output_path" -type l | while IFS= read -r link; do
  target=$(readlink -f "$link" || true)
  case "$target" in
    "$output_path"/*) ;;
    *)
      echo "build-service: removing $link, which points outside the deployed folder"
      rm "$link"
      ;;
  esac
done

echo "build-service: deployed $package_name to $output_dir"
