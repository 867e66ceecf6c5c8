// Reading what the user drops, in the browser: grey PNG slices (fast-png) and MetaImage volumes (header checked by
// src/pipeline/mha.ts, pixels read by itk-wasm's MetaImage pipeline served from this page's own origin).
// Writing label maps back: PNG grey levels, or .mha with the input's origin, spacing and direction.
import { encode } from 'fast-png';
import { readImage, writeImage, setPipelinesBaseUrl } from '@itk-wasm/image-io';
import { Image, ImageType, IntTypes, PixelTypes } from 'itk-wasm';
import { parseMetaImageHeader } from '../../src/pipeline/mha.ts';
import type { Volume } from '../../src/pipeline/volume.ts';
import { itkImageToVolume } from '../../src/pipeline/itk-volume.ts';
import { decodeGreyPngBytes as decodeGreyPng, decodeIntensityPngBytes } from '../../src/pipeline/png.ts';

/** itk-wasm fetches its pipelines from here: the page's own origin, never a CDN. */
export function pipelinesBaseUrl(): string {
  return new URL('itk-pipelines', new URL('./', document.baseURI)).href.replace(/\/$/, '');
}

let pipelinesConfigured = false;
function configurePipelines(): void {
  if (pipelinesConfigured) return;
  setPipelinesBaseUrl(pipelinesBaseUrl());
  pipelinesConfigured = true;
}

export interface GreySlice {
  name: string;
  /** 8-bit grey values, row-major */
  data: Uint8Array;
  width: number;
  height: number;
}

/** A grey PNG (8-bit; RGB(A) accepted when R = G = B), as the Node loader accepts it. */
export function decodeGreyPngBytes(name: string, bytes: Uint8Array): GreySlice {
  const png = decodeGreyPng(name, bytes);
  // a copy: fast-png may hand back a view of its own buffer
  return { name, data: Uint8Array.from(png.data), width: png.width, height: png.height };
}

export interface ImageSlice {
  name: string;
  /** grey intensity in [0, 1], row-major */
  image: Float32Array;
  width: number;
  height: number;
}

/** An MRI slice PNG of any bit depth and colour type, as grey intensity in [0, 1] (the Node loader's rules). */
export function decodeImagePng(name: string, bytes: Uint8Array): ImageSlice {
  const png = decodeIntensityPngBytes(name, bytes);
  return { name, image: png.image, width: png.width, height: png.height };
}

export function encodeGreyPng(data: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data, channels: 1, depth: 8 });
}

/** Reads a .mha into a Volume (x fastest; direction row-major, column j = physical direction of array axis j). */
export async function readMetaImage(name: string, bytes: Uint8Array): Promise<Volume> {
  // validate the header first: a clear message naming the field beats an opaque wasm failure
  parseMetaImageHeader(name, bytes, bytes.length);
  configurePipelines();
  const { image } = await readImage({ path: name, data: bytes.slice() }, { webWorker: false });
  return itkImageToVolume(name, image);
}


/** A uint8 label volume as .mha bytes (zlib-compressed pixel data), with the given geometry. */
export async function writeLabelMetaImage(name: string, vol: Volume<Uint8Array>): Promise<Uint8Array> {
  configurePipelines();
  const image = new Image(new ImageType(3, IntTypes.UInt8, PixelTypes.Scalar, 1));
  image.size = [...vol.size];
  image.spacing = [...vol.spacing];
  image.origin = [...vol.origin];
  image.direction = Float64Array.from(vol.direction);
  image.data = vol.data;
  const { serializedImage } = await writeImage(image, name, { useCompression: true, webWorker: false });
  return serializedImage.data;
}

export async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Offers bytes to the user as a file download (a blob: URL; nothing is uploaded). */
export function download(name: string, bytes: Uint8Array | string, type = 'application/octet-stream'): void {
  const blob = new Blob([typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>)], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
