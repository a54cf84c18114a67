/** Channel counts that GhostNetV2 widths 1.0 / 1.3 / 1.6 (and odd narrow widths) produce: what the kernel testers draw from. */
export const GHOSTNET_CHANNELS = [3, 8, 12, 16, 20, 24, 27, 36, 40, 48, 60, 72, 92, 100, 120, 160, 184, 200, 240, 320, 336, 460, 480, 672, 960, 1248, 1280];
